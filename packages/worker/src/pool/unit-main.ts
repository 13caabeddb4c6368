/**
 * The program a thread or process unit runs: it imports the app module itself (the
 * `appModule` option: a module URL or path, optionally `#exportName`), finds the tasks
 * the export lists (`tasks`: task implementations, as a celeriac `App` has), says it is
 * ready, then runs one request at a time as the worker sends them: a task context whose
 * `log` and `updateState` go back to the worker, the soft time limit as `ctx.signal`'s
 * abort, and the handler's outcome classified here (where the thrown value still is
 * itself) and sent back with the memory the unit uses. The hard time limit, terminate
 * and shutdown are the worker's: it ends this thread or process.
 */
import { getHeapStatistics } from 'node:v8';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { NotRegistered, SoftTimeLimitExceeded } from '../errors.js';
import type { TaskImplementation } from '../implement-task.js';
import type { Logger, LogFields } from '../logger.js';
import { createTaskContext } from '../task-context.js';
import { classifyError } from './classify.js';
import type { ExecutionOutcome } from './outcome.js';
import {
  encodeOutcome,
  encodeError,
  type FromUnit,
  type RunMessage,
  type ToUnit,
} from './unit-messages.js';

interface Channel {
  send(message: FromUnit): void;
  listen(handler: (message: ToUnit) => void): void;
}

const isThread = parentPort !== null;

const channel: Channel = parentPort
  ? {
      send: (message) => parentPort!.postMessage(message),
      listen: (handler) => parentPort!.on('message', handler),
    }
  : {
      send: (message) => process.send!(message),
      listen: (handler) => process.on('message', handler as (m: unknown) => void),
    };

const appModule: string = isThread
  ? (workerData as { appModule: string }).appModule
  : (process.argv[2] ?? '');

/** Find the tasks exported by the app module. */
async function loadTasks(reference: string): Promise<Map<string, TaskImplementation>> {
  const hash = reference.lastIndexOf('#');
  const specifier = hash > 0 ? reference.slice(0, hash) : reference;
  const exportName = hash > 0 ? reference.slice(hash + 1) : undefined;
  const url = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
  const mod = (await import(url)) as Record<string, unknown>;
  const names = exportName ? [exportName] : ['default', 'app'];
  for (const name of names) {
    const tasks = (mod[name] as { tasks?: unknown } | undefined)?.tasks;
    if (
      tasks !== undefined &&
      typeof (tasks as Iterable<unknown>)[Symbol.iterator] === 'function'
    ) {
      const byName = new Map<string, TaskImplementation>();
      for (const task of tasks as Iterable<TaskImplementation>) byName.set(task.name, task);
      return byName;
    }
  }
  throw new Error(
    `${reference} exports nothing with a 'tasks' list as ${names.map((n) => `'${n}'`).join(' or ')}`,
  );
}

/** Logs of a task, sent to the worker's logger. */
class UnitLogger implements Logger {
  readonly #base: LogFields;
  constructor(request: RunMessage) {
    this.#base = { task: request.name, id: request.taskId };
  }
  debug(message: string, fields?: LogFields): void {
    this.#send('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.#send('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.#send('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.#send('error', message, fields);
  }
  #send(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: LogFields): void {
    channel.send({ type: 'log', level, message, fields: { ...this.#base, ...fields } });
  }
}

let nextSeq = 0;
const storing = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

function memoryKiB(): number {
  const bytes = isThread ? getHeapStatistics().used_heap_size : process.memoryUsage.rss();
  return Math.round(bytes / 1024);
}

async function run(tasks: Map<string, TaskImplementation>, request: RunMessage): Promise<void> {
  const controller = new AbortController();
  const soft = request.soft;
  const timer =
    soft === null
      ? undefined
      : setTimeout(() => controller.abort(new SoftTimeLimitExceeded(soft)), soft * 1000);
  const task = tasks.get(request.name);
  const ctx = createTaskContext({
    taskId: request.taskId,
    name: request.name,
    retries: request.retries,
    rootId: request.rootId,
    parentId: request.parentId,
    groupId: request.groupId,
    headers: request.headers,
    kwargs: request.kwargs,
    hostname: request.hostname,
    deliveryInfo: request.deliveryInfo,
    log: new UnitLogger(request),
    signal: controller.signal,
    now: () => Date.now(),
    maxRetries: request.policy.maxRetries,
    defaultRetryDelay: request.policy.defaultRetryDelay,
    updateState: (state, meta) =>
      new Promise<void>((resolve, reject) => {
        const seq = ++nextSeq;
        storing.set(seq, { resolve, reject });
        channel.send({ type: 'state', seq, state, meta });
      }),
  });
  let outcome: ExecutionOutcome;
  try {
    if (task === undefined) throw new NotRegistered(request.name);
    outcome = { kind: 'success', value: await task.invoke(ctx, request.args, request.kwargs) };
  } catch (error) {
    const policy = { ...request.policy, autoretryFor: task?.options.autoretryFor };
    outcome = classifyError(error, policy, request.retries, (o) => ctx.retry(o));
  }
  if (timer !== undefined) clearTimeout(timer);
  try {
    channel.send({ type: 'done', outcome: encodeOutcome(outcome), memoryKiB: memoryKiB() });
  } catch (error) {
    // A result that does not clone (a function, a socket): the task fails, saying why.
    const failure = { kind: 'failure', error: encodeError(error) } as const;
    channel.send({ type: 'done', outcome: failure, memoryKiB: memoryKiB() });
  }
}

async function main(): Promise<void> {
  if (!isThread) {
    // Ctrl-C reaches the whole process group; the worker decides how its units end.
    process.on('SIGINT', () => undefined);
    // The worker went away: nothing will ever be asked of this process again.
    process.on('disconnect', () => process.exit(0));
  }
  let tasks: Map<string, TaskImplementation>;
  try {
    tasks = await loadTasks(appModule);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    channel.send({ type: 'start-failed', message: `cannot load ${appModule}: ${reason}` });
    return;
  }
  channel.listen((message) => {
    if (message.type === 'run') {
      void run(tasks, message);
    } else {
      const waiter = storing.get(message.seq);
      storing.delete(message.seq);
      if (message.error === undefined) waiter?.resolve();
      else waiter?.reject(new Error(message.error));
    }
  });
  channel.send({ type: 'ready', pid: process.pid, threadId });
}

void main();
