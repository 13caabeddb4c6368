/**
 * Copies of `@opentelemetry/api` that cannot see each other, made visible. The API keeps
 * one global registration (`Symbol.for('opentelemetry.js.api.1')`) and a copy uses it
 * only when the registering copy has the same major version and a minor version at least
 * its own; otherwise every span and metric through that copy is silently a no-op. Two
 * ways a CLI user meets this: the app registered its own SDK through an older API than
 * celeriac's (celeriac's spans vanish), or the app imports a newer API of its own than
 * the one the SDK registered through (the app's spans vanish).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const GLOBAL = Symbol.for('opentelemetry.js.api.1');

/** A copy of the API package. */
export interface ApiCopy {
  version: string;
  directory: string;
}

/** Whether an API of version `own` can use a registration made by version `registered`. */
export function canUse(own: string, registered: string): boolean {
  if (own === registered) return true;
  const a = /^(\d+)\.(\d+)\.(\d+)/.exec(own);
  const b = /^(\d+)\.(\d+)\.(\d+)/.exec(registered);
  if (!a || !b || a[1] !== b[1]) return false;
  if (a[1] === '0') return a[2] === b[2] && Number(a[3]) <= Number(b[3]);
  return Number(a[2]) <= Number(b[2]);
}

/** The API copy that resolves from `fromFile` (a path or file URL), if any. */
export function apiCopyFrom(fromFile: string): ApiCopy | undefined {
  let entry: string;
  try {
    entry = createRequire(fromFile).resolve('@opentelemetry/api');
  } catch {
    return undefined; // the app has no API of its own to resolve
  }
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@opentelemetry/api' && pkg.version) {
        return { version: pkg.version, directory: dir };
      }
    } catch {
      // no package.json at this level: look further up
    }
  }
  return undefined;
}

/** The version registered on the global, if an SDK (or anything) registered one. */
export function registeredApiVersion(): string | undefined {
  const registration = (globalThis as Record<symbol, { version?: unknown } | undefined>)[GLOBAL];
  return typeof registration?.version === 'string' ? registration.version : undefined;
}

/**
 * Warnings, one line each, for the app at `appPath` (after it was imported, so an SDK it
 * registered counts). Empty when every copy can use what is registered.
 */
export function apiVersionWarnings(appPath: string): string[] {
  const ours = apiCopyFrom(fileURLToPath(import.meta.url));
  const registered = registeredApiVersion();
  if (!ours || !registered) return [];
  const warnings: string[] = [];
  if (!canUse(ours.version, registered)) {
    warnings.push(
      `OpenTelemetry was registered through @opentelemetry/api ${registered}, which celeriac's ` +
        `${ours.version} cannot use: celeriac's spans and metrics are dropped. Give the app ` +
        `@opentelemetry/api ${ours.version} and an SDK that accepts it, or let celeriac install ` +
        'the SDK (OTEL_* variables, docs/observability.md)',
    );
  }
  const app = apiCopyFrom(appPath);
  if (app && app.directory !== ours.directory && !canUse(app.version, registered)) {
    warnings.push(
      `the app imports its own @opentelemetry/api ${app.version} (${app.directory}), which ` +
        `cannot use the SDK registered through ${registered}: the app's own spans and metrics ` +
        `are dropped. Install @opentelemetry/api ${ours.version} in the app (npm dedupe)`,
    );
  }
  return warnings;
}
