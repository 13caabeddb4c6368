/**
 * AMQP 0-9-1 topic matching: keys and patterns are dot-separated words; `*` matches
 * exactly one word and `#` matches zero or more words (RabbitMQ's semantics, which are
 * what Celery's event and routing bindings assume). One definition for the memory
 * broker's topic exchanges and for event subscriptions (`order.*`, `order.#`).
 */
import { ValidationError } from './errors.js';

/** A compiled topic pattern: call it with a routing key. */
export type TopicMatcher = (routingKey: string) => boolean;

/** True when `routingKey` matches the binding `pattern`. */
export function topicMatches(pattern: string, routingKey: string): boolean {
  return compileTopic(pattern)(routingKey);
}

/** Compile `pattern` once for many keys. */
export function compileTopic(pattern: string): TopicMatcher {
  if (pattern === '#') return () => true;
  if (!pattern.includes('*') && !pattern.includes('#')) return (key) => key === pattern;
  const words = pattern.split('.');
  return (routingKey) => matchWords(words, 0, routingKey.split('.'), 0);
}

function matchWords(pattern: string[], p: number, key: string[], k: number): boolean {
  for (;;) {
    if (p === pattern.length) return k === key.length;
    const word = pattern[p];
    if (word === '#') {
      // Collapse runs of `#`, then try every split point (backtracking is bounded by
      // the number of words, which is small for routing keys).
      while (pattern[p + 1] === '#') p++;
      if (p + 1 === pattern.length) return true;
      for (let i = k; i <= key.length; i++) {
        if (matchWords(pattern, p + 1, key, i)) return true;
      }
      return false;
    }
    if (k === key.length) return false;
    if (word !== '*' && word !== key[k]) return false;
    p++;
    k++;
  }
}

/** Longest topic pattern or event name accepted, in characters (AMQP's routing key limit). */
export const MAX_TOPIC_LENGTH = 255;

/**
 * Check an event or document name (`order.created`) or, with `pattern`, a subscription
 * pattern (`order.*`, `order.#`): non-empty dot-separated words of letters, digits, `_`,
 * `-` and `:`, at most {@link MAX_TOPIC_LENGTH} characters; `*` and `#` only as whole
 * words of a pattern. Throws `ValidationError` naming `what` and the problem.
 */
export function assertTopic(value: unknown, what: string, pattern = false): string {
  const fail = (message: string): never => {
    throw new ValidationError(`Invalid ${what}`, [{ path: '', message }]);
  };
  if (typeof value !== 'string' || value === '') return fail('expected a non-empty string');
  if (value.length > MAX_TOPIC_LENGTH) {
    return fail(`${value.length} characters, at most ${MAX_TOPIC_LENGTH}`);
  }
  for (const word of value.split('.')) {
    if (pattern && (word === '*' || word === '#')) continue;
    if (!/^[A-Za-z0-9_:-]+$/.test(word)) {
      const hint = pattern ? '; * and # stand alone between dots' : '; no * or # in a name';
      return fail(`${JSON.stringify(value)}: bad word ${JSON.stringify(word)}${hint}`);
    }
  }
  return value;
}
