/**
 * The dashboard under load (issue 19): its own process watching 10 celeriac workers
 * (events on) that are offered 1,000 no-op tasks/s on a private redis-server, with
 * headless Chromium showing three live pages (workers, tasks filtered to the probes,
 * charts). Side by side in one run, for each set of Node flags of the dashboard process
 * (Node's defaults, then DASHBOARD_NODE_FLAGS): the dashboard idle (workers up, no
 * tasks), then loaded. One JSON line per phase: the dashboard's RSS (max; target
 * < 100 MB), its private part (without the node binary's shared pages) and heap, how long a probe task's SUCCESS takes to show in the page (from the worker's
 * event, and from `sendTask`), the page's long tasks and largest frame gap, the tasks/s
 * the dashboard counted, and the load average.
 *
 *   npm run bench:dashboard   (BENCH_RATE, BENCH_SECONDS, BENCH_WORKERS, BENCH_MAX_TASKS;
 *                              BENCH_FLAGS="a|b" runs the dashboard once with each set)
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { createClient } from '@celeriac/client';
import { DASHBOARD_NODE_FLAGS, type StatsView, type TaskDetail } from '@celeriac/dashboard';
import { createRedisTransport } from '@celeriac/redis';
import { launchChromium } from '../dashboard/browser.js';
import { ensureUiBuilt } from '../dashboard/ui-build.js';
import { startPrivateRedis } from '../reliability/redis-support.js';
import {
  instrument,
  readInstrument,
  rssMb,
  startChild,
  stopChild,
  type Child,
} from './dashboard-bench-support.js';
import { percentile, round } from './redis-bench-common.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const IDLE_SECONDS = 10;
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 10);
const FLAG_SETS = (process.env['BENCH_FLAGS'] ?? `|${DASHBOARD_NODE_FLAGS.join(' ')}`)
  .split('|')
  .map((set) => set.split(' ').filter(Boolean));
const QUEUE = `dash.bench.${randomUUID().slice(0, 6)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The dashboard process runs the built packages, as installed: build what it needs.
await promisify(execFile)(
  'npx',
  ['turbo', 'run', 'build', '--filter=@celeriac/dashboard', '--filter=@celeriac/redis'],
  { cwd: fileURLToPath(new URL('../../', import.meta.url)) },
);
await ensureUiBuilt();
const redis = await startPrivateRedis({ appendonly: false });
const fleet = startChild(
  'dashboard-bench-fleet.ts',
  { REDIS_URL: redis.url, QUEUE, WORKERS: String(WORKERS) },
  /ready/,
);
const browser = await launchChromium();
const transport = createRedisTransport(redis.url);
const client = createClient({ transport });

/** One dashboard process with `flags`: idle, then loaded; one JSON line each. */
async function run(flags: readonly string[]): Promise<void> {
  const server: Child = startChild(
    'dashboard-bench-server.mjs',
    { REDIS_URL: redis.url, MAX_TASKS: process.env['BENCH_MAX_TASKS'] ?? '' },
    /url (\S+)/,
    flags,
  );
  const url = (await server.line)[1]!;
  const pages: Page[] = [];
  try {
    for (const hash of ['#/workers', '#/tasks?name=bench.probe', '#/charts']) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${url}${hash}`);
      pages.push(page);
    }
    const [workersPage, tasksPage] = pages as [Page, Page];
    await workersPage.waitForFunction(
      `document.querySelectorAll('tr[data-worker]').length >= ${WORKERS}`,
      undefined,
      { timeout: 60_000 },
    );
    await instrument(tasksPage);
    const succeeded = async () =>
      ((await (await fetch(`${url}api/stats`)).json()) as StatsView).totals['succeeded'] ?? 0;

    /** A probe task: ms from its worker's SUCCESS event, and from sendTask, to its row. */
    const probe = async (n: number) => {
      const id = randomUUID();
      const seen = tasksPage.waitForFunction(
        `document.querySelector('tr[data-task="${id}"][data-state="SUCCESS"]') ? Date.now() : false`,
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      const sentAt = Date.now();
      await client.sendTask('bench.probe', [n], {}, { taskId: id, queue: QUEUE });
      const shownAt = Number(await (await seen).jsonValue());
      const task = (await (await fetch(`${url}api/tasks/${id}`)).json()) as TaskDetail;
      const done = task.timeline.find((s) => s.state === 'SUCCESS')?.timestamp ?? NaN;
      return { fromEvent: shownAt - done * 1000, fromSend: shownAt - sentAt };
    };

    for (const phase of ['idle', 'load'] as const) {
      const rate = phase === 'idle' ? 0 : RATE;
      const seconds = phase === 'idle' ? IDLE_SECONDS : SECONDS;
      const fromEvent: number[] = [];
      const fromSend: number[] = [];
      const rss: number[] = [];
      const anon: number[] = [];
      const before = await succeeded();
      const memoryFrom = server.memory.length;
      await readInstrument(tasksPage);
      const started = Date.now();
      let sent = 0;
      let running = true;
      const producer = (async () => {
        while (running && rate > 0) {
          const due = Math.floor(((Date.now() - started) / 1000) * rate) - sent;
          if (due > 0) {
            sent += due;
            await Promise.all(
              Array.from({ length: due }, () =>
                client.sendTask('bench.noop', [], {}, { queue: QUEUE }),
              ),
            );
          }
          await sleep(10);
        }
      })();
      const sampler = setInterval(() => {
        const sample = rssMb(server.process.pid!);
        rss.push(sample.rss);
        anon.push(sample.anon);
      }, 500);
      for (let n = 0; Date.now() - started < seconds * 1000; n++) {
        const latency = await probe(n);
        fromEvent.push(latency.fromEvent);
        fromSend.push(latency.fromSend);
        await sleep(500);
      }
      running = false;
      await producer;
      clearInterval(sampler);
      const elapsed = (Date.now() - started) / 1000;
      const counted = (await succeeded()) - before;
      const page = await readInstrument(tasksPage);
      const memory = server.memory.slice(memoryFrom);
      const mb = (values: number[]) => round(Math.max(...values) / 2 ** 20, 1);
      console.log(
        JSON.stringify({
          bench: 'dashboard',
          phase,
          node_flags: flags.join(' '),
          workers: WORKERS,
          offered_per_s: rate,
          sent_per_s: round(sent / elapsed),
          counted_succeeded_per_s: round(counted / elapsed),
          dashboard_rss_mb_max: round(Math.max(...rss), 1),
          rss_target_mb: 100,
          dashboard_rss_anon_mb_max: round(Math.max(...anon), 1),
          heap_total_mb_max: mb(memory.map((m) => m.heapTotal)),
          heap_used_mb_max: mb(memory.map((m) => m.heapUsed)),
          event_to_page_ms_p50: round(percentile(fromEvent, 50)),
          event_to_page_ms_p95: round(percentile(fromEvent, 95)),
          event_to_page_ms_max: round(Math.max(...fromEvent)),
          send_to_page_ms_p50: round(percentile(fromSend, 50)),
          send_to_page_ms_p95: round(percentile(fromSend, 95)),
          probes: fromEvent.length,
          page_long_tasks: page.longTasks,
          page_long_task_ms: round(page.longMs),
          page_max_frame_gap_ms: round(page.maxGap),
          loadavg: loadavg().map((l) => round(l, 2)),
        }),
      );
      // Let the workers drain what the load left queued before the next phase.
      while ((await transport.queueLength(QUEUE)) > 0) await sleep(500);
    }
  } finally {
    for (const page of pages) await page.close();
    await stopChild(server.process);
  }
}

try {
  await fleet.line;
  for (const flags of FLAG_SETS) await run(flags);
} finally {
  await client.close();
  await transport.close();
  await browser.close();
  await stopChild(fleet.process);
  await redis.dispose();
}
