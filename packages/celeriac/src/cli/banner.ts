/**
 * The worker's start banner, what Celery prints before it connects: who (node name,
 * versions, pid), where (broker and result backend, passwords masked), how (pool,
 * concurrency, prefetch, events) and what (queues, registered tasks).
 */
import { arch, platform } from 'node:os';
import { maskUrl } from '../mask-url.js';
import { celeriacVersion } from './version.js';

/** What the banner shows. */
export interface BannerInput {
  hostname: string;
  app: string;
  brokerUrl: string;
  backendUrl: string;
  pool: string;
  concurrency: number | string;
  prefetchMultiplier: number;
  events: boolean;
  queues: readonly string[];
  tasks: readonly string[];
  now: Date;
  /** `-B`: the embedded beat's namespace. */
  beat?: string;
}

/** The banner's lines. */
export function banner(input: BannerInput): string[] {
  const prefetch =
    input.prefetchMultiplier === 0 || typeof input.concurrency !== 'number'
      ? ''
      : `, prefetch ${input.concurrency * input.prefetchMultiplier}`;
  const when = input.now.toISOString().replace('T', ' ').slice(0, 19);
  const row = (label: string, value: string) => `  ${`${label}:`.padEnd(13)} ${value}`;
  const lines = [
    `${input.hostname} celeriac v${celeriacVersion()} (Node ${process.version}, ${platform()} ${arch()}, pid ${process.pid}) ${when}`,
    '[config]',
    row('app', input.app),
    row('transport', maskUrl(input.brokerUrl)),
    row('results', maskUrl(input.backendUrl)),
    row('pool', `${input.pool}, concurrency ${input.concurrency}${prefetch}`),
    row('task events', input.events ? 'ON' : 'OFF (enable -E to monitor tasks in this worker)'),
    ...(input.beat === undefined ? [] : [row('beat', `ON (namespace ${input.beat})`)]),
    '[queues]',
    ...input.queues.map((queue) => `  .> ${queue}`),
    '[tasks]',
    ...(input.tasks.length > 0
      ? [...input.tasks].sort().map((task) => `  . ${task}`)
      : ['  (none: the app registers no task)']),
    '',
  ];
  return lines;
}
