/**
 * Pieces of `npm run bench:footprint`: the compiled app, a worker started by the built
 * `celeriac` bin (plain Node on `dist/`, no npm, npx or TypeScript loader in front, so
 * the PID measured is the worker), and its resident set size.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}packages/celeriac/bin/celeriac.js`;
const DIST_ENTRY = `${ROOT}packages/celeriac/dist/cli/run.js`;
/** Inside the repository's node_modules, so that `celeriac` and `zod` resolve from it. */
const OUT_DIR = `${ROOT}node_modules/.cache/celeriac-bench`;

/**
 * Build the packages (turbo: a no-op when they are up to date) unless `BENCH_NO_BUILD=1`,
 * then compile the app module to JavaScript; returns its path.
 */
export function buildApp(): string {
  if (process.env['BENCH_NO_BUILD'] !== '1') {
    const turbo = `${ROOT}node_modules/.bin/turbo`;
    const built = spawnSync(
      turbo,
      ['run', 'build', '--filter=celeriac...', '--output-logs=errors-only'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    if (built.status !== 0) throw new Error(`the build failed (exit ${built.status})`);
  }
  if (!existsSync(DIST_ENTRY)) throw new Error(`${DIST_ENTRY} is missing: run npm run build`);
  const source = readFileSync(new URL('./footprint-app.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
  });
  mkdirSync(OUT_DIR, { recursive: true });
  const path = `${OUT_DIR}/footprint-app.mjs`;
  writeFileSync(path, outputText);
  return path;
}

/** Resident set size of `pid` in MB (Linux /proc; `ps` elsewhere). */
export function rssMb(pid: number): number {
  if (existsSync(`/proc/${pid}/status`)) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  }
  const ps = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
  return Number(ps.stdout.trim()) / 1024;
}

/** CPU seconds (user + system) `pid` has used so far (Linux /proc; NaN elsewhere). */
export function cpuSeconds(pid: number): number {
  if (!existsSync(`/proc/${pid}/stat`)) return NaN;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A process started for measuring, and its output so far. */
export interface Measured {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** Resolves when `pattern` shows in the output; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Start `node args` with `env` added (NODE_OPTIONS and the CLI's source switch removed). */
export function startNode(args: readonly string[], env: Record<string, string> = {}): Measured {
  const base = { ...process.env };
  delete base['NODE_OPTIONS'];
  delete base['CELERIAC_CLI_SOURCE'];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // The last 64 kB: a worker prints a line per task.
  const append = (d: Buffer) => (out = (out + d.toString()).slice(-65_536));
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${process.execPath}`);
  return {
    child,
    pid: child.pid,
    output: () => out,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `exited before ${pattern}: ${out.trim().split('\n').slice(-3).join(' | ')}`,
          );
        }
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms`);
        await sleep(50);
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The RSS of `pid` once settled: sampled every 500 ms for `settleMs`, the last sample
 * (an idle process's RSS moves little once start-up garbage is gone).
 */
export async function settledRss(pid: number, settleMs: number): Promise<number> {
  let last = rssMb(pid);
  for (let waited = 0; waited < settleMs; waited += 500) {
    await sleep(500);
    last = rssMb(pid);
  }
  return last;
}
