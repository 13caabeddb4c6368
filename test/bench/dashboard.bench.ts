/**
 * The dashboard under load (issue 19: under 100 MB RSS at 10 workers and 1,000 tasks/s,
 * the page responsive). `celeriac dashboard` as a user runs it (the built CLI, its own
 * process) watches 10 celeriac workers (events on) offered 1,000 no-op tasks/s on a
 * private redis-server, with headless Chromium showing three live pages (workers, tasks
 * filtered to the probes, charts). Side by side in one run, for each set of Node flags of
 * the dashboard process (Node's defaults, then DASHBOARD_NODE_FLAGS, the ones the bin
 * uses): an idle `node` with those flags (what Node alone costs), then the dashboard idle
 * (workers up, no tasks), then loaded. One JSON line each, then a summary line:
 * - memory of the dashboard process only (/proc/<pid>/status, sampled every 0.5 s): RSS
 *   peak and steady (median of the phase's second half), its private part (RssAnon) and
 *   its file-backed part (RssFile: the node binary's pages, shared with any Node
 *   process), and `process.memoryUsage()` peaks (heap total/used, external, array
 *   buffers) as the process reports them;
 * - the dashboard's CPU use (% of one core);
 * - responsiveness: how long a probe task's SUCCESS takes to show in the page (from the
 *   worker's event, and from `sendTask`), the API's answer time (GET /api/tasks and
 *   /api/workers, once a second), the page's long tasks and largest frame gap;
 * - tasks/s sent and tasks/s the dashboard counted as succeeded; the load average.
 *
 *   npm run bench:dashboard   (BENCH_RATE, BENCH_SECONDS, BENCH_WORKERS;
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
  bareNode,
  instrument,
  procStats,
  readInstrument,
  startChild,
  startDashboardCli,
  stopChild,
  type Child,
} from './dashboard-bench-support.js';
import { percentile, round } from './redis-bench-common.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 1000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const IDLE_SECONDS = 8;
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 10);
const FLAG_SETS = (process.env['BENCH_FLAGS'] ?? `|${DASHBOARD_NODE_FLAGS.join(' ')}`)
  .split('|')
  .map((set) => set.split(' ').filter(Boolean));
const QUEUE = `dash.bench.${randomUUID().slice(0, 6)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The dashboard is the built CLI, as installed: build it and what it imports.
await promisify(execFile)('npx', ['turbo', 'run', 'build', '--filter=celeriac'], {
  cwd: fileURLToPath(new URL('../../', import.meta.url)),
});
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

type Line = Record<string, unknown>;
const mb = (bytes: number) => round(bytes / 2 ** 20, 1);
const max = (values: number[]) => Math.max(...values);

/** An idle node with `flags`, then one dashboard process with them: idle, then loaded. */
async function run(flags: readonly string[]): Promise<Line[]> {
  const bare = await bareNode(flags);
  const lines: Line[] = [
    {
      bench: 'dashboard',
      phase: 'bare node',
      node: process.version,
      node_flags: flags.join(' '),
      rss_mb: round(bare.rss, 1),
      rss_file_mb: round(bare.file, 1),
      loadavg: loadavg().map((l) => round(l, 2)),
    },
  ];
  console.log(JSON.stringify(lines[0]));
  const server: Child = startDashboardCli(redis.url, flags);
  const url = (await server.line)[1]!;
  const pid = server.process.pid!;
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
      const api: number[] = [];
      const samples: ReturnType<typeof procStats>[] = [];
      const before = await succeeded();
      const memoryFrom = server.memory.length;
      await readInstrument(tasksPage);
      const cpuBefore = procStats(pid).cpu;
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
      // What a client of the JSON API waits for, once a second.
      const asker = (async () => {
        while (running) {
          for (const path of ['api/tasks?limit=100', 'api/workers']) {
            const at = performance.now();
            await (await fetch(`${url}${path}`)).arrayBuffer();
            api.push(performance.now() - at);
          }
          await sleep(1000);
        }
      })();
      const sampler = setInterval(() => samples.push(procStats(pid)), 500);
      for (let n = 0; Date.now() - started < seconds * 1000; n++) {
        const latency = await probe(n);
        fromEvent.push(latency.fromEvent);
        fromSend.push(latency.fromSend);
        await sleep(500);
      }
      running = false;
      await Promise.all([producer, asker]);
      clearInterval(sampler);
      const elapsed = (Date.now() - started) / 1000;
      const cpu = procStats(pid).cpu - cpuBefore;
      const counted = (await succeeded()) - before;
      const page = await readInstrument(tasksPage);
      const memory = server.memory.slice(memoryFrom);
      const rss = samples.map((m) => m.rss);
      const line: Line = {
        bench: 'dashboard',
        phase,
        process: 'celeriac dashboard',
        node: process.version,
        node_flags: flags.join(' '),
        workers: WORKERS,
        offered_per_s: rate,
        sent_per_s: round(sent / elapsed),
        counted_succeeded_per_s: round(counted / elapsed),
        rss_mb_peak: round(max(rss), 1),
        rss_mb_steady: round(percentile(rss.slice(rss.length >> 1), 50), 1),
        rss_target_mb: 100,
        rss_anon_mb_peak: round(max(samples.map((m) => m.anon)), 1),
        rss_file_mb_peak: round(max(samples.map((m) => m.file)), 1),
        rss_over_bare_node_mb: round(max(rss) - bare.rss, 1),
        heap_total_mb_peak: mb(max(memory.map((m) => m.heapTotal))),
        heap_used_mb_peak: mb(max(memory.map((m) => m.heapUsed))),
        external_mb_peak: mb(max(memory.map((m) => m.external))),
        array_buffers_mb_peak: mb(max(memory.map((m) => m.arrayBuffers))),
        cpu_pct: round((cpu / elapsed) * 100),
        event_to_page_ms_p50: round(percentile(fromEvent, 50)),
        event_to_page_ms_p95: round(percentile(fromEvent, 95)),
        event_to_page_ms_max: round(max(fromEvent)),
        send_to_page_ms_p50: round(percentile(fromSend, 50)),
        send_to_page_ms_p95: round(percentile(fromSend, 95)),
        probes: fromEvent.length,
        api_ms_p50: round(percentile(api, 50)),
        api_ms_p95: round(percentile(api, 95)),
        api_ms_max: round(max(api)),
        page_long_tasks: page.longTasks,
        page_long_task_ms: round(page.longMs),
        page_max_frame_gap_ms: round(page.maxGap),
        loadavg: loadavg().map((l) => round(l, 2)),
      };
      console.log(JSON.stringify(line));
      lines.push(line);
      // Let the workers drain what the load left queued before the next phase.
      while ((await transport.queueLength(QUEUE)) > 0) await sleep(500);
    }
  } finally {
    for (const page of pages) await page.close();
    await stopChild(server.process);
  }
  return lines;
}

try {
  await fleet.line;
  const loaded: Line[] = [];
  for (const flags of FLAG_SETS) loaded.push((await run(flags)).find((l) => l.phase === 'load')!);
  const [first, last] = [loaded[0]!, loaded.at(-1)!];
  const ratio = (key: string) => round(Number(last[key]) / Number(first[key]), 2);
  console.log(
    JSON.stringify({
      bench: 'dashboard',
      phase: 'summary',
      loaded_under_target: loaded.map((l) => ({
        node_flags: l['node_flags'],
        rss_mb_peak: l['rss_mb_peak'],
        under_100_mb: Number(l['rss_mb_peak']) < 100,
      })),
      // The last flag set against the first (by default DASHBOARD_NODE_FLAGS / defaults).
      rss_peak_ratio: ratio('rss_mb_peak'),
      cpu_ratio: ratio('cpu_pct'),
      api_ms_p50_ratio: ratio('api_ms_p50'),
      loadavg: loadavg().map((l) => round(l, 2)),
    }),
  );
} finally {
  await client.close();
  await transport.close();
  await browser.close();
  await stopChild(fleet.process);
  await redis.dispose();
}
