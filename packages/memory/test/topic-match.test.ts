import { compileTopic, topicMatches } from '@celeriac/memory';
import { describe, expect, it } from 'vitest';

// RabbitMQ's topic semantics: `*` is exactly one word, `#` zero or more words.
const table: [pattern: string, key: string, matches: boolean][] = [
  ['order.created', 'order.created', true],
  ['order.created', 'order.deleted', false],
  ['order.*', 'order.created', true],
  ['order.*', 'order', false],
  ['order.*', 'order.created.eu', false],
  ['order.#', 'order', true],
  ['order.#', 'order.created', true],
  ['order.#', 'order.created.eu', true],
  ['order.#', 'orders.created', false],
  ['#.eu', 'eu', true],
  ['#.eu', 'order.created.eu', true],
  ['#.eu', 'order.created.us', false],
  ['*.*.eu', 'order.created.eu', true],
  ['*.*.eu', 'user.eu', false],
  ['#', '', true],
  ['#', 'anything.at.all', true],
  ['*', 'one', true],
  ['*', 'one.two', false],
  ['*', '', true],
  ['a.#.z', 'a.z', true],
  ['a.#.z', 'a.b.c.z', true],
  ['a.#.z', 'a.b.c', false],
  ['a.#.#.z', 'a.z', true],
  ['#.b.#', 'a.b.c', true],
  ['#.b.#', 'b', true],
  ['#.b.#', 'a.c', false],
  ['worker.#', 'worker.heartbeat', true],
  ['worker.#', 'task.succeeded', false],
  ['*.succeeded', 'task.succeeded', true],
  ['a.*.c', 'a..c', true],
];

describe('topic matching', () => {
  it.each(table)('%j matches %j: %s', (pattern, key, matches) => {
    expect(topicMatches(pattern, key)).toBe(matches);
    expect(compileTopic(pattern)(key)).toBe(matches);
  });
});
