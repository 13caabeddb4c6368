/**
 * `celeriac report`: what a bug report needs (Celery's `celery report`): versions of
 * celeriac, Node and the OS, the broker and result backend, the app's settings and the
 * environment variables that configure celeriac, with passwords and secrets masked.
 */
import { arch, hostname, platform, release } from 'node:os';
import { inspect } from 'node:util';
import { Command } from 'commander';
import { maskUrl } from '../mask-url.js';
import { addConnectionOptions, connectionFlags, openApp } from './connection-options.js';
import type { Io } from './io.js';
import { celeriacVersion } from './version.js';

// Names that hold secrets (not routingKey or keyPrefix, which are routing, not secrets).
const SECRET_KEY =
  /pass|secret|token|signature|credential|auth|headers|api_?key|private_?key|^key$/i;
const ENV_PREFIXES = ['CELERIAC_', 'OTEL_'];

/** A settings value as safe to print: secrets masked, URLs without passwords. */
export function sanitize(value: unknown, key = ''): unknown {
  if (key && SECRET_KEY.test(key) && value !== undefined && value !== null) return '********';
  if (typeof value === 'string')
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? maskUrl(value) : value;
  if (typeof value === 'function') return `[function ${value.name || 'anonymous'}]`;
  if (Array.isArray(value)) return value.map((item) => sanitize(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sanitize(v, k)]));
  }
  return value;
}

/** The `report` command. */
export function reportCommand(io: Io): Command {
  return addConnectionOptions(new Command('report'))
    .description('print versions, broker, backend and settings for a bug report (secrets masked)')
    .action(async (_flags: unknown, command: Command) => {
      const { app, loaded } = await openApp(connectionFlags(command), { sharedBroker: false });
      try {
        io.out(
          `software -> celeriac:${celeriacVersion()} node:${process.version} v8:${process.versions.v8}`,
        );
        io.out(
          `platform -> system:${platform()} arch:${arch()} kernel:${release()} host:${hostname()}`,
        );
        io.out(`settings -> broker:${maskUrl(app.brokerUrl)} results:${maskUrl(app.backendUrl)}`);
        io.out('');
        if (loaded) io.out(`app: ${loaded.path} (export ${loaded.exportName})`);
        io.out(
          `tasks: ${
            app.tasks
              .map((task) => task.name)
              .sort()
              .join(', ') || '(none)'
          }`,
        );
        const { broker: _broker, backend: _backend, ...settings } = app.conf;
        for (const [key, value] of Object.entries(settings)) {
          io.out(`${key}: ${show(sanitize(value, key))}`);
        }
        const env = Object.entries(process.env)
          .filter(([name]) => ENV_PREFIXES.some((prefix) => name.startsWith(prefix)))
          .sort(([a], [b]) => a.localeCompare(b));
        if (env.length > 0) io.out('');
        for (const [name, value] of env) io.out(`${name}=${String(sanitize(value, name))}`);
      } finally {
        await app.close();
      }
    });
}

function show(value: unknown): string {
  return inspect(value, { depth: 6, breakLength: 100, compact: 3 });
}
