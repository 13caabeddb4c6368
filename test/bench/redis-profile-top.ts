/**
 * The top entries of a `.cpuprofile` by self time, as plain text: what
 * `BENCH_CPU_PROF=<dir> npm run bench:redis` writes, or `node --cpu-prof`.
 *
 *   npx tsx test/bench/redis-profile-top.ts <file.cpuprofile> [count=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, countArg] = process.argv.slice(2);
if (!file) throw new Error('usage: redis-profile-top.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === '(idle)') {
    idle += dt;
    return;
  }
  total += dt;
  const where = frame.url
    ? `${frame.url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${frame.lineNumber + 1}`
    : '';
  const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + dt);
});
console.log(`busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 25));
for (const [key, us] of top) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
