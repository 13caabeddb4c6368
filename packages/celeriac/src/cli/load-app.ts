/**
 * Loads the user's app module — TypeScript or JavaScript — for the CLI's `-A/--app`.
 * TypeScript is compiled on the fly by tsx in this process, so `celeriac worker --app
 * ./app.ts` needs no build step and no second process.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isApp } from '../app.js';
import type { App } from '../app.js';
import { AppImportError, AppLoadError } from '../errors.js';
import { ensureTypeScript, isTypeScript } from './loader.js';

/** An app found in a module, and where (what thread and process units import). */
export interface LoadedApp {
  readonly app: App;
  /** Absolute path of the module. */
  readonly path: string;
  /** The export the app was found under. */
  readonly exportName: string;
  /** `file://…#exportName`: the module as the worker's `appModule` option takes it. */
  readonly moduleRef: string;
  /** The module is TypeScript (units need tsx's loader). */
  readonly typeScript: boolean;
}

/**
 * Import `specifier` (a path, optionally `path:exportName`) and return the app it
 * exports as `default`, `app`, or the named export. A missing file or a module without
 * an app is an {@link AppLoadError}; a module that throws is an {@link AppImportError}
 * carrying what it threw.
 */
export async function loadApp(specifier: string, cwd = process.cwd()): Promise<LoadedApp> {
  const [file = '', exportName] = splitSpecifier(specifier);
  const absolute = path.resolve(cwd, file);
  if (!existsSync(absolute)) {
    throw new AppLoadError(`--app ${specifier}: no such file ${absolute}`);
  }
  const typeScript = isTypeScript(absolute);
  if (typeScript) await ensureTypeScript();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new AppImportError(specifier, error);
  }
  const candidates = exportName ? [exportName] : ['default', 'app'];
  for (const name of candidates) {
    const value = mod[name];
    if (isApp(value)) {
      return {
        app: value,
        path: absolute,
        exportName: name,
        moduleRef: `${pathToFileURL(absolute).href}#${name}`,
        typeScript,
      };
    }
  }
  throw new AppLoadError(
    `--app ${specifier}: ${absolute} exports no celeriac app as ${candidates
      .map((n) => `'${n}'`)
      .join(' or ')} (export the result of createApp())`,
  );
}

function splitSpecifier(specifier: string): [string, string | undefined] {
  // A colon after the first two characters (not a Windows drive) names the export: ./app.ts:myApp
  const index = specifier.lastIndexOf(':');
  if (index > 1) return [specifier.slice(0, index), specifier.slice(index + 1)];
  return [specifier, undefined];
}
