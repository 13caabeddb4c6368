/**
 * `app.control`: Celery's `app.control` on the app's own connection — the control
 * client of `@celeriac/client`, reached through the app's client, which connects on
 * first use. Every method is async, so the facade can wait for that connection.
 */
import type { Client, Control, Inspect, InspectOptions, WorkerCommands } from '@celeriac/client';

/** What `app.control` offers: the control client's commands, `inspect`, `broadcast`, `ping`. */
export type AppControl = Pick<Control, 'inspect' | 'broadcast' | 'ping' | keyof WorkerCommands>;

const COMMANDS = [
  'revoke',
  'terminate',
  'rateLimit',
  'timeLimit',
  'shutdown',
  'poolGrow',
  'poolShrink',
  'poolRestart',
  'autoscale',
  'addConsumer',
  'cancelConsumer',
  'enableEvents',
  'disableEvents',
  'heartbeat',
  'broadcast',
  'ping',
] as const satisfies readonly (keyof AppControl)[];

const INSPECTIONS = [
  'ping',
  'stats',
  'active',
  'reserved',
  'scheduled',
  'registered',
  'activeQueues',
  'revoked',
  'queryTask',
  'conf',
  'report',
  'clock',
  'actorTree',
  'subscriptions',
  'memsample',
  'memdump',
  'call',
] as const satisfies readonly Exclude<keyof Inspect, 'options'>[];

// Compile-time completeness: a method added to the control client must be listed above.
type Unlisted<A, B> = Exclude<A, B> extends never ? true : Exclude<A, B>;
const everyCommand: Unlisted<
  Exclude<keyof AppControl, 'inspect'>,
  (typeof COMMANDS)[number]
> = true;
const everyInspection: Unlisted<
  Exclude<keyof Inspect, 'options'>,
  (typeof INSPECTIONS)[number]
> = true;
void everyCommand;
void everyInspection;

type AnyMethod = (...args: unknown[]) => Promise<unknown>;

/** The facade over `client()`'s control client. */
export function createAppControl(client: () => Promise<Client>): AppControl {
  const forward = (target: () => Promise<object>, name: string): AnyMethod => {
    return async (...args) => {
      const object = (await target()) as Record<string, AnyMethod>;
      return object[name]!(...args);
    };
  };
  const control = async () => (await client()).control;
  const facade: Record<string, unknown> = {};
  for (const name of COMMANDS) facade[name] = forward(control, name);
  facade['inspect'] = (options: InspectOptions = {}): Inspect => {
    const inspect = async () => (await control()).inspect(options);
    const methods: Record<string, unknown> = { options: Object.freeze({ ...options }) };
    for (const name of INSPECTIONS) methods[name] = forward(inspect, name);
    return methods as unknown as Inspect;
  };
  return facade as unknown as AppControl;
}
