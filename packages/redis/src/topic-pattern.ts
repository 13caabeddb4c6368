/**
 * Topic bindings on Redis. kombu (`kombu/transport/virtual/exchange.py`) stores a regex
 * built from the binding key in the binding set (`*` → `.*?[^\.]`, `#` → `.*?`); celeriac
 * writes the same regex so Python publishers route as before, and matches binding keys
 * word by word as AMQP does when it publishes.
 */

/** kombu's `escape_regex(key, '.#*')`: backslash before every non-alphanumeric character. */
function escapeRegex(key: string): string {
  let out = '';
  for (const ch of key) {
    if (/^[\p{L}\p{N}]$/u.test(ch) || ch === '.' || ch === '#' || ch === '*') out += ch;
    else out += ch === '\0' ? '\\000' : `\\${ch}`;
  }
  return out;
}

/** The regex kombu stores for a topic binding key, e.g. `^order\.*?[^\.]$` for `order.*`. */
export function topicPattern(bindingKey: string): string {
  const words = escapeRegex(bindingKey)
    .split('.')
    .map((word) => (word === '*' ? '.*?[^\\.]' : word === '#' ? '.*?' : word));
  return `^${words.join('\\.')}$`;
}

/**
 * Whether `routingKey` matches a topic binding key with AMQP's semantics: `*` is exactly
 * one word, `#` zero or more. kombu's regex is looser (its `*` also spans dots, so
 * `order.*` matches `order.created.eu`); celeriac routes as RabbitMQ does and documents
 * the difference, while still storing kombu's regex for Python publishers.
 */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  return matchWords(bindingKey.split('.'), 0, routingKey.split('.'), 0);
}

function matchWords(pattern: string[], p: number, words: string[], w: number): boolean {
  if (p === pattern.length) return w === words.length;
  const head = pattern[p];
  if (head === '#') {
    for (let skip = w; skip <= words.length; skip++) {
      if (matchWords(pattern, p + 1, words, skip)) return true;
    }
    return false;
  }
  if (w === words.length) return false;
  return (head === '*' || head === words[w]) && matchWords(pattern, p + 1, words, w + 1);
}
