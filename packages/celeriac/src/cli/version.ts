/** The version of the `celeriac` package, read from its package.json (beside src/ and dist/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** `celeriac`'s version, e.g. `0.1.0`. */
export function celeriacVersion(): string {
  cached ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;
  return cached;
}
