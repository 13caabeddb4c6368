/**
 * The UI's built files (`dist/ui/`, made by the package's `build` script), read once at
 * start and served from memory with ETags: a handful of small files, nothing fetched at
 * run time, no build step when the dashboard starts.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DashboardAssetsMissingError } from './errors.js';

/** One file ready to serve. */
export interface Asset {
  readonly body: Uint8Array<ArrayBuffer>;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Where the build puts the UI: the same from `src/` (tests) and `dist/` (installed). */
export const UI_DIR = fileURLToPath(new URL('../dist/ui/', import.meta.url));

/** Read every file of `dir` (default the built UI); throws when there is no index.html. */
export async function loadAssets(dir: string = UI_DIR): Promise<ReadonlyMap<string, Asset>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new DashboardAssetsMissingError(`${dir}index.html`);
  }
  if (!names.includes('index.html')) throw new DashboardAssetsMissingError(`${dir}index.html`);
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const file = await readFile(`${dir}${name}`);
    const body = new Uint8Array(
      file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength),
    );
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 16)}"`;
    assets.set(`/${name}`, { body, type, etag });
  }
  return assets;
}
