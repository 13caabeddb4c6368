/**
 * `celeriac call <task> [--args JSON] [--kwargs JSON] [options]`: send one task by name,
 * print its id, and with `--wait` its result (Celery's `celery call`).
 */
import { parseArgs } from 'node:util';
import type { SendTaskOptions } from '@celeriac/client';
import { createApp } from '../app.js';
import type { App } from '../app.js';
import { loadApp } from './load-app.js';
import { UsageError } from './usage-error.js';

/** Help text of the `call` command. */
export const CALL_USAGE = `Usage: celeriac call <task-name> [options]

Send a task by name and print its id (with --wait, its result).

Options:
  -a, --args <json>        positional arguments as a JSON array (default: [])
  -k, --kwargs <json>      keyword arguments as a JSON object (default: {})
  -A, --app <module>       take broker and backend from this app module, or:
  -b, --broker <url>       broker URL (default: $CELERIAC_BROKER_URL or memory://)
      --backend <url>      result backend URL
  -Q, --queue <name>       queue to send to
      --routing-key <key>  routing key
      --exchange <name>    exchange
      --countdown <s>      run no earlier than this many seconds from now
      --eta <iso>          run no earlier than this time
      --expires <s>        revoke if not started within this many seconds
      --priority <n>       message priority
  -w, --wait               wait for the result and print it as JSON
      --timeout <s>        with --wait: give up after this many seconds (default: 30)
`;

/** Run the `call` command. */
export async function callCommand(
  argv: readonly string[],
  out: (line: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      args: { type: 'string', short: 'a' },
      kwargs: { type: 'string', short: 'k' },
      app: { type: 'string', short: 'A' },
      broker: { type: 'string', short: 'b' },
      backend: { type: 'string' },
      queue: { type: 'string', short: 'Q' },
      'routing-key': { type: 'string' },
      exchange: { type: 'string' },
      countdown: { type: 'string' },
      eta: { type: 'string' },
      expires: { type: 'string' },
      priority: { type: 'string' },
      wait: { type: 'boolean', short: 'w' },
      timeout: { type: 'string' },
    },
  });
  const [name, ...rest] = positionals;
  if (!name || rest.length > 0) {
    throw new UsageError('call: exactly one task name is required', CALL_USAGE);
  }
  const args = parseJson('--args', values.args ?? '[]');
  if (!Array.isArray(args)) throw new UsageError('call: --args must be a JSON array', CALL_USAGE);
  const kwargs = parseJson('--kwargs', values.kwargs ?? '{}');
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) {
    throw new UsageError('call: --kwargs must be a JSON object', CALL_USAGE);
  }

  const options: SendTaskOptions = {};
  if (values.queue) options.queue = values.queue;
  if (values['routing-key']) options.routingKey = values['routing-key'];
  if (values.exchange) options.exchange = values.exchange;
  if (values.countdown) options.countdown = number('--countdown', values.countdown);
  if (values.eta) options.eta = values.eta;
  if (values.expires) options.expires = number('--expires', values.expires);
  if (values.priority) options.priority = number('--priority', values.priority);
  if (!values.wait) options.ignoreResult = false;

  let app: App;
  if (values.app) {
    app = await loadApp(values.app);
  } else {
    const appOptions: { broker?: string; backend?: string } = {};
    if (values.broker) appOptions.broker = values.broker;
    if (values.backend) appOptions.backend = values.backend;
    app = createApp(appOptions);
  }
  try {
    const result = await app.sendTask(name, args, kwargs as Record<string, unknown>, options);
    out(result.id);
    if (values.wait) {
      const timeoutMs = number('--timeout', values.timeout ?? '30') * 1000;
      const value = await result.get({ timeoutMs });
      out(JSON.stringify(value));
    }
    return 0;
  } finally {
    await app.close();
  }
}

function parseJson(flag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(
      `call: ${flag} is not valid JSON: ${(error as Error).message}`,
      CALL_USAGE,
    );
  }
}

function number(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n)) throw new UsageError(`call: ${flag} must be a number`, CALL_USAGE);
  return n;
}
