/**
 * Node names as Celery forms them (`celery/utils/nodenames.py`): `name@host`, with `%h`
 * (the host name with its domain), `%n` (without it), `%d` (the domain), `%i` (the pool
 * process index: 0 in the worker itself) and `%I` (the same with a `-` prefix, empty for
 * 0) expanded; a name without `@` is a host name (`-n host1` → `celeriac@host1`).
 */
import { hostname as osHostname } from 'node:os';
import { InvalidOptionError } from '../errors.js';

/** The prefix of a node name given without one (Celery's is `celery`). */
export const DEFAULT_NODE_PREFIX = 'celeriac';

/** The worker's node name from the `hostname` option (Celery's `-n`). */
export function nodeName(option: string | undefined, host = osHostname()): string {
  const at = option?.indexOf('@') ?? -1;
  const name = at < 0 ? DEFAULT_NODE_PREFIX : option!.slice(0, at) || DEFAULT_NODE_PREFIX;
  const nodeHost = at < 0 ? option || host : option!.slice(at + 1) || host;
  return expandNodeName(`${name}@${nodeHost}`, host);
}

/** Expand Celery's `%h %n %d %i %I` in `template`; an unknown `%x` is refused. */
export function expandNodeName(template: string, host = osHostname()): string {
  const dot = host.indexOf('.');
  const keys: Record<string, string> = {
    h: host,
    n: dot < 0 ? host : host.slice(0, dot),
    d: dot < 0 ? '' : host.slice(dot + 1),
    i: '0',
    I: '',
  };
  return template.replace(/%(\w)/g, (match, key: string) => {
    const value = keys[key];
    if (value === undefined) {
      throw new InvalidOptionError(
        'hostname',
        `unknown format ${match} in ${JSON.stringify(template)} (known: %h %n %d %i %I)`,
      );
    }
    return value;
  });
}
