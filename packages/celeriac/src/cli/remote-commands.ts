/**
 * The remote-control commands the CLI sends, with Celery's positional arguments
 * (`celery control rate_limit proj.add 10/m`, `celery inspect query_task ID…`): how each
 * turns the words after the command's name into the broadcast's `arguments`.
 */
import { UsageError } from '../errors.js';

/** One positional argument: its wire name and how its text becomes a value. */
type Arg = readonly [name: string, parse: (text: string) => unknown];

/** A command's arguments: fixed ones first (the required ones up to `required`), then a variadic rest. */
interface CommandSpec {
  readonly args?: readonly Arg[];
  readonly required?: number;
  readonly variadic?: string;
  /** As Celery's help shows it. */
  readonly signature: string;
  readonly help: string;
}

const text = (value: string) => value;
const int = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new UsageError(`${what} must be an integer, got ${JSON.stringify(value)}`);
  return n;
};
const float = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n))
    throw new UsageError(`${what} must be a number, got ${JSON.stringify(value)}`);
  return n;
};
const bool = (value: string) => /^(1|true|yes|y|on)$/i.test(value);

/** `celeriac inspect <command>`: read-only questions. */
export const INSPECT_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  ping: { signature: '', help: 'ping the workers' },
  stats: { signature: '', help: 'statistics: pool, prefetch, totals, rusage' },
  active: { signature: '', help: 'tasks being executed' },
  reserved: { signature: '', help: 'tasks received and waiting for a free unit' },
  scheduled: { signature: '', help: 'tasks held for their ETA or countdown' },
  registered: { variadic: 'taskinfoitems', signature: '[attr…]', help: 'registered task names' },
  active_queues: { signature: '', help: 'the queues each worker consumes' },
  revoked: { signature: '', help: 'revoked task ids' },
  query_task: { variadic: 'ids', signature: '<id…>', required: 0, help: 'tasks by id' },
  conf: {
    args: [['with_defaults', bool]],
    signature: '[include_defaults=false]',
    help: 'the worker’s configuration',
  },
  report: { signature: '', help: 'a bug report from each worker' },
  clock: { signature: '', help: 'each worker’s logical clock' },
  actor_tree: { signature: '', help: 'the actor tree of celeriac workers (Python: none)' },
  subscriptions: {
    signature: '',
    help: 'event and document subscriptions of celeriac workers: pattern, task, queue',
  },
};

/** `celeriac control <command>`: commands that change what workers do. */
export const CONTROL_COMMANDS: Readonly<Record<string, CommandSpec>> = {
  revoke: { variadic: 'task_id', signature: '<id…>', help: 'revoke tasks by id' },
  terminate: {
    args: [['signal', text]],
    required: 1,
    variadic: 'task_id',
    signature: '<signal> <id…>',
    help: 'revoke and end the running tasks with a signal',
  },
  rate_limit: {
    args: [
      ['task_name', text],
      ['rate_limit', text],
    ],
    required: 2,
    signature: '<task_name> <rate_limit (e.g. 5/s | 5/m | 5/h)>',
    help: 'set a task’s rate limit',
  },
  time_limit: {
    args: [
      ['task_name', text],
      ['soft', float('soft_secs')],
      ['hard', float('hard_secs')],
    ],
    required: 2,
    signature: '<task_name> <soft_secs> [hard_secs]',
    help: 'set a task’s time limits',
  },
  shutdown: { signature: '', help: 'warm shutdown of the workers' },
  pool_grow: { args: [['n', int('N')]], signature: '[N=1]', help: 'add N units to the pool' },
  pool_shrink: { args: [['n', int('N')]], signature: '[N=1]', help: 'remove N units' },
  autoscale: {
    args: [
      ['max', int('max')],
      ['min', int('min')],
    ],
    signature: '[max [min]]',
    help: 'change the autoscaler’s bounds',
  },
  add_consumer: {
    args: [
      ['queue', text],
      ['exchange', text],
      ['exchange_type', text],
      ['routing_key', text],
    ],
    required: 1,
    signature: '<queue> [exchange [type [routing_key]]]',
    help: 'start consuming a queue',
  },
  cancel_consumer: {
    args: [['queue', text]],
    required: 1,
    signature: '<queue>',
    help: 'stop consuming a queue',
  },
  enable_events: { signature: '', help: 'start sending task events' },
  disable_events: { signature: '', help: 'stop sending task events' },
};

/** The broadcast `arguments` of `command` given `words`, or a {@link UsageError}. */
export function commandArguments(
  kind: 'inspect' | 'control',
  command: string,
  words: readonly string[],
): Record<string, unknown> {
  const table = kind === 'inspect' ? INSPECT_COMMANDS : CONTROL_COMMANDS;
  const spec = table[command];
  if (!spec) {
    throw new UsageError(
      `unknown ${kind} command ${JSON.stringify(command)}; use one of ${Object.keys(table).join(', ')}`,
    );
  }
  const fixed = spec.args ?? [];
  const required = spec.required ?? 0;
  const takes = `${kind} ${command} takes ${spec.signature || 'no arguments'}`;
  if (words.length < required || (!spec.variadic && words.length > fixed.length)) {
    throw new UsageError(takes);
  }
  const result: Record<string, unknown> = {};
  fixed.forEach(([name, parse], i) => {
    const word = words[i];
    if (word !== undefined) result[name] = parse(word);
  });
  if (spec.variadic) {
    const rest = words.slice(fixed.length);
    if (command === 'revoke' || command === 'terminate' || command === 'query_task') {
      if (rest.length === 0) throw new UsageError(takes);
    }
    result[spec.variadic] = rest;
  }
  return result;
}
