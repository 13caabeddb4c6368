/**
 * `npm run bench:compare`: runs bench:redis, bench:amqp and bench:footprint one after
 * another (each in its own process, never two at once), collects their JSON lines and
 * prints one Markdown table of the figures issue 21 sets targets for — system, figure,
 * value, target, met? — with the load average at the start and the end. A bench that
 * fails or prints no line shows as such; the others still count.
 *
 *   npm run bench:compare        BENCH_COMPARE=redis,amqp,footprint (which, in order)
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchLine } from './compare-table.js';
import { benchLines, markdownTable } from './compare-table.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BENCHES = (process.env['BENCH_COMPARE'] ?? 'redis,amqp,footprint').split(',');

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');

/** Run `npm run bench:<name>`, its output passed through to stderr; resolves to its stdout. */
function runBench(name: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', `bench:${name}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('error', () => resolve({ code: null, stdout }));
    child.once('close', (code) => resolve({ code, stdout }));
  });
}

const startLoad = load();
const lines: BenchLine[] = [];
const notes: string[] = [];
for (const name of BENCHES) {
  const started = performance.now();
  const { code, stdout } = await runBench(name);
  const found = benchLines(stdout);
  lines.push(...found);
  const seconds = Math.round((performance.now() - started) / 1000);
  if (code !== 0) notes.push(`bench:${name} failed (exit ${code}) after ${seconds} s`);
  else if (found.length === 0) notes.push(`bench:${name} printed no figure`);
  else notes.push(`bench:${name}: ${found.length} lines in ${seconds} s`);
}

console.log(`Load average at start: ${startLoad}; at the end: ${load()} (1, 5, 15 min)\n`);
console.log(markdownTable(lines));
console.log(`\n${notes.map((note) => `- ${note}`).join('\n')}`);
