/**
 * Loads the user's app module — TypeScript or JavaScript — for the CLI. TypeScript is
 * compiled on the fly by tsx, so `celeriac worker --app ./app.ts` needs no build step.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import { CeleriacError, ErrorCode } from '@celeriac/protocol';
import { isApp } from '../app.js';
import type { App } from '../app.js';

/** The `--app` module could not be loaded or holds no app. */
export class AppLoadError extends CeleriacError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.transport, message, options);
    this.name = 'AppLoadError';
  }
}

let tsxRegistered = false;

/**
 * Import `specifier` (a path, optionally `path:exportName`) and return the app it
 * exports as `default`, `app`, or the named export.
 */
export async function loadApp(specifier: string, cwd = process.cwd()): Promise<App> {
  const [file = '', exportName] = splitSpecifier(specifier);
  const absolute = path.resolve(cwd, file);
  if (!existsSync(absolute)) {
    throw new AppLoadError(`--app ${specifier}: no such file ${absolute}`);
  }
  if (!tsxRegistered && /\.(c|m)?tsx?$/.test(absolute)) {
    register();
    tsxRegistered = true;
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AppLoadError(`--app ${specifier}: importing ${absolute} failed: ${String(error)}`, {
      cause: error,
    });
  }
  const candidates = exportName ? [exportName] : ['default', 'app'];
  for (const name of candidates) {
    const value = mod[name];
    if (isApp(value)) return value;
  }
  throw new AppLoadError(
    `--app ${specifier}: ${absolute} exports no celeriac app as ${candidates
      .map((n) => `'${n}'`)
      .join(' or ')} (export the result of createApp())`,
  );
}

function splitSpecifier(specifier: string): [string, string | undefined] {
  // Windows drive letters aside, a colon separates the export name: ./app.ts:myApp
  const index = specifier.lastIndexOf(':');
  if (index > 1) return [specifier.slice(0, index), specifier.slice(index + 1)];
  return [specifier, undefined];
}
