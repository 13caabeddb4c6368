/** The fixtures made by `fixtures/python/generate.py` with Celery 5.2.6 / kombu 5.2.4. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PythonFixtures {
  messages: string[];
  args: { value: unknown[]; argsrepr: string; listrepr: string; json: string }[];
  kwargs: { value: Record<string, unknown>; kwargsrepr: string; json: string }[];
  zlib: { json: string; zlib_base64: string };
  dates: { ms: number; json: string; isoformat: string; naive: string }[];
  uuid3: { name: string; uuid: string }[];
}

const raw = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'python', 'python-generated.json'), 'utf8'),
) as Omit<PythonFixtures, 'messages'> & { messages: unknown[] };

/** Messages are kept as envelope strings, like the Redis samples' `raw`. */
export const python: PythonFixtures = {
  ...raw,
  messages: raw.messages.map((m) => JSON.stringify(m)),
};
