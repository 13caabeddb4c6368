/**
 * Helpers of `dashboard.bench.ts`: its child processes (`celeriac dashboard` from the
 * built CLI, as installed; the worker fleet, under tsx), what /proc says of their memory
 * and CPU, and the page instrumentation (long tasks, the largest gap between frames).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

/** `process.memoryUsage()` as the dashboard child prints it. */
export interface Memory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface Child {
  readonly process: ChildProcess;
  /** The first match of the ready pattern in its output. */
  readonly line: Promise<RegExpMatchArray>;
  /** Its `mem` lines so far. */
  readonly memory: Memory[];
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

const CLI = fileURLToPath(new URL('../../packages/celeriac/bin/celeriac.js', import.meta.url));

/**
 * `celeriac dashboard -b <redisUrl> --port 0` with exactly `flags` (the bin's own re-exec
 * is turned off, so Node's defaults can be measured too; with DASHBOARD_NODE_FLAGS it is
 * the command line the bin itself runs), reporting its memoryUsage().
 */
export function startDashboardCli(redisUrl: string, flags: readonly string[]): Child {
  const args = [...flags, '--import', here('dashboard-bench-memory.mjs'), CLI, 'dashboard'];
  const env: Record<string, string> = { CELERIAC_REEXECUTED: '1', CELERIAC_CLI_SOURCE: '' };
  return spawnChild([...args, '-b', redisUrl, '--port', '0'], env, /dashboard on (\S+) /);
}

/** Start `script` under tsx, from source. */
export function startChild(script: string, env: Record<string, string>, ready: RegExp): Child {
  const args = ['--conditions=@celeriac/source', '--import', 'tsx', here(script)];
  return spawnChild(args, env, ready);
}

function spawnChild(args: string[], env: Record<string, string>, ready: RegExp): Child {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const memory: Memory[] = [];
  const line = new Promise<RegExpMatchArray>((resolve, reject) => {
    let out = '';
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith('mem ')) memory.push(JSON.parse(l.slice(4)) as Memory);
        else seen += `${l}\n`;
      }
      const match = ready.exec(seen);
      if (match) resolve(match);
    });
    child.once('exit', (code) =>
      reject(new Error(`${args.join(' ')} exited (${code}) before ready`)),
    );
  });
  return { process: child, line, memory };
}

/** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/**
 * What /proc says of `pid` (Linux), in MB: its resident set size (VmRSS), the private
 * part (RssAnon: heap, stacks, malloc) and the file-backed part (RssFile: the pages of
 * the node binary and libraries it has touched, shared with every process that maps
 * them); and the CPU seconds it has used (user + system).
 */
export function procStats(pid: number): { rss: number; anon: number; file: number; cpu: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), cpu: ticks / 100 };
}

/** An idle `node <flags>` (a timer, nothing loaded): what Node alone costs, in MB. */
export async function bareNode(flags: readonly string[]): Promise<{ rss: number; file: number }> {
  const child = spawn(process.execPath, [...flags, '-e', 'setInterval(() => {}, 1000)']);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const { rss, file } = procStats(child.pid!);
  await stopChild(child);
  return { rss, file };
}

/** Count long tasks and the largest frame gap in `page` from now on. */
export async function instrument(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const w = window;
    w.__bench = { longTasks: 0, longMs: 0, maxGap: 0, last: performance.now() };
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) { w.__bench.longTasks++; w.__bench.longMs += e.duration; }
    }).observe({ type: 'longtask', buffered: false });
    const frame = (t) => {
      w.__bench.maxGap = Math.max(w.__bench.maxGap, t - w.__bench.last);
      w.__bench.last = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })()`);
}

/** What {@link instrument} counted since the last read (and start counting again). */
export async function readInstrument(
  page: Page,
): Promise<{ longTasks: number; longMs: number; maxGap: number }> {
  const value = await page.evaluate(`(() => {
    const b = window.__bench; const out = { ...b };
    b.longTasks = 0; b.longMs = 0; b.maxGap = 0;
    return out;
  })()`);
  return value as { longTasks: number; longMs: number; maxGap: number };
}
