/**
 * The beat's flags, shared by `celeriac beat` and `celeriac worker -B`: which beat
 * (namespace), how long a term lasts (the failover bound follows from it), and Celery's
 * `--max-interval` (how often the leader looks at the schedule and renews at least).
 */
import { Option } from 'commander';
import type { AppBeatOptions } from '../app.js';
import { UsageError } from '../errors.js';
import { DEFAULT_LEASE_MS } from '@celeriac/beat';
import { seconds } from './parse-options.js';

/** The values of the beat's flags. */
export interface BeatFlags {
  namespace?: string;
  lease?: number;
  maxInterval?: number;
}

/** `--namespace`, `--lease`, `--max-interval` (`prefix` names them for the worker: `--beat-…`). */
export function beatOptions(prefix: '' | 'beat-'): Option[] {
  const namespace = new Option(
    `--${prefix}namespace <name>`,
    'which beat: replicas with one namespace on one broker elect one leader (default: celeriac)',
  ).env('CELERIAC_BEAT_NAMESPACE');
  const lease = new Option(
    `--${prefix}lease <s>`,
    'leader lease: a killed leader is replaced within lease × 4/3 (default: 10)',
  ).argParser(seconds);
  const maxInterval = new Option(
    `--${prefix}max-interval <s>`,
    'the leader renews and reads the schedule at least this often (default: lease / 3)',
  ).argParser(seconds);
  return [namespace, lease, maxInterval];
}

/** The beat options the flags ask for. */
export function beatOptionsFrom(flags: BeatFlags, prefix: '' | 'beat-' = ''): AppBeatOptions {
  const options: { -readonly [K in keyof AppBeatOptions]: AppBeatOptions[K] } = {};
  if (flags.namespace !== undefined) options.namespace = flags.namespace;
  const leaseMs = flags.lease === undefined ? undefined : flags.lease * 1000;
  if (leaseMs !== undefined) options.leaseMs = leaseMs;
  if (flags.maxInterval !== undefined) {
    const renewEveryMs = flags.maxInterval * 1000;
    const bound = leaseMs ?? DEFAULT_LEASE_MS;
    if (renewEveryMs >= bound) {
      throw new UsageError(
        `--${prefix}max-interval (${flags.maxInterval} s) must be less than the lease ` +
          `(${bound / 1000} s), or the lease lapses between renewals`,
      );
    }
    options.renewEveryMs = renewEveryMs;
  }
  return options;
}
