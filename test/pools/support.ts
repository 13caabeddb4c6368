/**
 * What the pool tests share: the fixture app (imported here for the worker's registry and
 * by each thread or process unit itself), a temporary directory for side-effect files,
 * and a short pause.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { celeryMessage, Fixture, waitFor } from '../../packages/worker/test/support.js';
export { tasks } from './fixtures/pool-app.js';

/** The module the units import (`appModule`). */
export const appModule = new URL('./fixtures/pool-app.ts', import.meta.url).href;

/** The pools whose units can be ended. */
export const POOLS = ['threads', 'processes'] as const;

/** A fresh file path that does not exist yet. */
export function scratchFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'celeriac-pools-')), name);
}

/** Wait `ms` of real time. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Who ran a task (`pools.whoami`): a process or a thread. */
export interface Who {
  pid: number;
  threadId: number;
  rssKiB: number;
  heapKiB: number;
}

/** The identity of the unit that ran a task, in the pool's own terms. */
export function unitId(pool: (typeof POOLS)[number], who: Who): number {
  return pool === 'threads' ? who.threadId : who.pid;
}
