import { describe, expect, it } from 'vitest';
import { describeReply, nodesOnline, replyLines } from '../src/cli/remote-reply.js';

describe('remote-control replies in Celery’s shape', () => {
  it('ok and error replies, indented under the node line', () => {
    expect(replyLines('celery@a', { ok: 'pong' })).toEqual(['->  celery@a: OK', '        pong']);
    expect(replyLines('celery@a', { error: 'unknown task' })).toEqual([
      '->  celery@a: ERROR',
      '        unknown task',
    ]);
    expect(replyLines('celery@a', { ok: 'pong' }, false)).toEqual(['->  celery@a: OK']);
  });

  it('lists as bullets, empty lists as "- empty -"', () => {
    expect(describeReply([])).toEqual({ status: 'OK', body: '- empty -' });
    expect(describeReply(['proj.add', { id: 'x' }])).toEqual({
      status: 'OK',
      body: '* proj.add\n* {"id":"x"}',
    });
  });

  it('other objects as sorted JSON', () => {
    expect(describeReply({ b: 1, a: { d: 2, c: 3 } }).body).toBe(
      '{\n    "a": {\n        "c": 3,\n        "d": 2\n    },\n    "b": 1\n}',
    );
  });

  it('counts nodes', () => {
    expect(nodesOnline(1)).toBe('1 node online.');
    expect(nodesOnline(2)).toBe('2 nodes online.');
  });
});
