/**
 * Helpers of `dashboard.bench.ts`: its child processes (the dashboard, plain JavaScript
 * on the built packages; the worker fleet, under tsx), their RSS, and the page
 * instrumentation (long tasks, the largest gap between animation frames).
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
}

export interface Child {
  readonly process: ChildProcess;
  /** The first match of the ready pattern in its output. */
  readonly line: Promise<RegExpMatchArray>;
  /** Its `mem` lines so far. */
  readonly memory: Memory[];
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** Start `script` (an `.mjs` runs with `flags`, a `.ts` under tsx from source). */
export function startChild(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  flags: readonly string[] = [],
): Child {
  const args = script.endsWith('.mjs')
    ? [...flags, here(script)]
    : ['--conditions=@celeriac/source', '--import', 'tsx', here(script)];
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
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before ready`)));
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
 * Resident set size of `pid` in MB (Linux), and its private part: `RssAnon` leaves out
 * the file-backed pages (the node binary's code, shared by every Node process).
 */
export function rssMb(pid: number): { rss: number; anon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
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
