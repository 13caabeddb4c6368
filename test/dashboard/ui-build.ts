/**
 * The dashboard tests serve the built UI (`packages/dashboard/dist/ui/`): build it when it
 * is missing or older than a source file of `ui/`, as `npm run build` would.
 */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const PACKAGE = fileURLToPath(new URL('../../packages/dashboard/', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Build the UI unless `dist/ui/` is newer than every file of `ui/` and `src/api-types.ts`. */
export async function ensureUiBuilt(): Promise<void> {
  const sources = Math.max(
    newest(join(PACKAGE, 'ui')),
    statSync(join(PACKAGE, 'src/api-types.ts')).mtimeMs,
    statSync(join(PACKAGE, 'build-ui.mjs')).mtimeMs,
  );
  let built: number;
  try {
    built = Math.min(
      ...['index.html', 'app.js', 'app.css'].map(
        (f) => statSync(join(PACKAGE, 'dist/ui', f)).mtimeMs,
      ),
    );
  } catch {
    built = 0; // not built yet
  }
  if (built >= sources) return;
  await promisify(execFile)(process.execPath, [join(PACKAGE, 'build-ui.mjs')], { cwd: PACKAGE });
}
