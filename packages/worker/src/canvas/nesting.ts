/**
 * How deep the signatures of a message nest (a link inside a link inside a link, a chord
 * body holding a chain, …), measured without recursion so a 10,000-deep message cannot
 * overflow the stack here. The worker refuses on receipt what nests deeper than it can
 * send on: sending a follow-up encodes it recursively (the client, `JSON.stringify`,
 * Python's JSON module on the other side), which fails past a few thousand levels.
 */

/** Deepest signature nesting the worker accepts; far beyond any real workflow. */
export const MAX_SIGNATURE_NESTING = 200;

/**
 * The signature nesting depth of `roots` (a message's callbacks, errbacks, chain steps
 * and chord body), counting only objects that look like signatures (a string `task`);
 * stops counting once past `limit` and returns `limit + 1`.
 */
export function signatureNesting(roots: readonly unknown[], limit = MAX_SIGNATURE_NESTING): number {
  const stack: { value: unknown; depth: number }[] = [];
  for (const root of roots)
    if (root !== null && root !== undefined) stack.push({ value: root, depth: 0 });
  let deepest = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) stack.push({ value: item, depth });
      continue;
    }
    const record = value as Record<string, unknown>;
    const level = typeof record['task'] === 'string' ? depth + 1 : depth;
    if (level > deepest) {
      deepest = level;
      if (deepest > limit) return limit + 1;
    }
    for (const key in record) {
      const child = record[key];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: level });
    }
  }
  return deepest;
}
