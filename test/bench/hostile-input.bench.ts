/**
 * What hostile message bodies cost in memory: 20 zlib bombs (200 MB of spaces each, ~200 KB
 * on the wire) and 20 bodies nested 10,000 deep, decoded among 2,000 valid task messages
 * (small ones, 20 KB ones, and compressed 400 KB ones), twice over. For each decoder, child
 * processes decode the valid messages alone, or with the hostile ones mixed in, and report
 * their peak RSS (`process.resourceUsage().maxRSS`): the difference is what the hostile
 * bodies cost. Peak RSS only grows, hence one process per measurement; each is run
 * `BENCH_RUNS` times (default 3) and the lowest peak kept.
 *
 * Mixes: both kinds (the case), bombs alone, deep bodies alone. Decoders, side by
 * side in one run:
 *   - `celeriac`: `decodeTaskMessage` with its default bounds (64 MiB decompressed, JSON
 *     depth 512): zlib is sized before it is inflated, depth scanned before parsing.
 *   - `inflate-cap`: what the protocol did before, for reference: Node's `inflateSync`
 *     with `maxOutputLength` = 64 MiB, then `JSON.parse` (no depth bound).
 *   - `worker`: a celeriac worker on memory:// takes every message off its queue (one
 *     pass): the valid tasks run (`decoded` counts the runs: none may be lost), the
 *     hostile ones are refused on receipt — the issue's own measure (at most +32 MB).
 *
 * Prints one JSON line per mix and decoder (MB = 10^6 bytes), with the load average. The
 * two decoders do different amounts of work on valid messages (celeriac validates every
 * header), so this is a memory comparison, not a speed one (`bench:memory` is that).
 *
 *   npm run bench:hostile
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { decodeTaskMessage, encodeTaskMessage, type BrokerMessage } from '@celeriac/protocol';

const MB = 1e6;
const BOMBS = 20;
const DEEP = 20;
const VALID = 2000;
const CAP = 64 * 1024 * 1024;

type Decoder = 'celeriac' | 'inflate-cap' | 'worker';
/** Which hostile bodies are mixed in. */
type Mix = 'bombs' | 'deep' | 'both';

function validMessages(): BrokerMessage[] {
  const out: BrokerMessage[] = [];
  for (let i = 0; i < VALID; i += 1) {
    const headers = { task: 'bench.valid', id: `valid-${i}` };
    if (i % 100 === 0) {
      const big = Array.from({ length: 10_000 }, (_, j) => ({ j, text: `row ${j} of ${i}` }));
      out.push(encodeTaskMessage({ headers, args: [big] }, { compression: 'zlib' }));
    } else if (i % 25 === 0) {
      out.push(encodeTaskMessage({ headers, args: ['x'.repeat(20_000)] }));
    } else {
      out.push(encodeTaskMessage({ headers, args: [i, i + 1], kwargs: { user: `u${i}` } }));
    }
  }
  return out;
}

function hostileMessages(bomb: Uint8Array, mix: Mix): BrokerMessage[] {
  const deep = new TextEncoder().encode(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
  const message = (body: Uint8Array, headers: Record<string, unknown>, id: string) => ({
    body,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { task: 'bench.hostile', id, ...headers },
    properties: {},
  });
  const bombs = Array.from({ length: mix === 'deep' ? 0 : BOMBS }, (_, i) =>
    message(bomb, { compression: 'application/x-gzip' }, `bomb-${i}`),
  );
  const deeps = Array.from({ length: mix === 'bombs' ? 0 : DEEP }, (_, i) =>
    message(deep, {}, `deep-${i}`),
  );
  return [...bombs, ...deeps];
}

/** The protocol's decoding before the bounds: capped inflate, then JSON.parse. */
function inflateCapDecode(message: BrokerMessage): unknown {
  const body =
    message.headers['compression'] === undefined
      ? message.body
      : inflateSync(message.body, { maxOutputLength: CAP });
  const value = JSON.parse(new TextDecoder().decode(body)) as unknown;
  if (!Array.isArray(value) || !Array.isArray(value[0])) throw new Error('not a task body');
  return value;
}

function decodeAll(decoder: Decoder, messages: readonly BrokerMessage[]): [number, number] {
  let ok = 0;
  let refused = 0;
  for (const message of messages) {
    try {
      if (decoder === 'celeriac') decodeTaskMessage(message);
      else inflateCapDecode(message);
      ok += 1;
    } catch {
      refused += 1;
    }
  }
  return [ok, refused];
}

const peakMB = () => (process.resourceUsage().maxRSS * 1024) / MB;

/** What one child reports. */
interface ChildResult {
  decoded: number;
  refused: number;
  peakMB: number;
  rssAfterMB: number;
}

/** In a child process: a worker runs `messages`; reports its runs and peak RSS. */
async function workerChild(messages: readonly BrokerMessage[]): Promise<ChildResult> {
  const { createMemoryResultBackend, createMemoryTransport } = await import('@celeriac/memory');
  const { createWorker, implementTask, silentLogger } = await import('@celeriac/worker');
  const url = 'memory://bench-hostile';
  let ran = 0;
  const worker = createWorker({
    transport: createMemoryTransport(url),
    backend: createMemoryResultBackend(url),
    tasks: [implementTask('bench.valid', () => void (ran += 1), { ignoreResult: true })],
    queues: ['hostile'],
    logger: silentLogger,
    control: false,
    concurrency: 10,
  });
  await worker.start();
  const producer = createMemoryTransport(url);
  await producer.declareQueue({ name: 'hostile' });
  for (const message of messages) {
    await producer.publish(message, { exchange: '', routingKey: 'hostile' });
  }
  const deadline = Date.now() + 120_000;
  while (ran < VALID && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  while ((await producer.queueLength('hostile')) > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await worker.stop();
  return {
    decoded: ran,
    refused: messages.length - VALID,
    peakMB: peakMB(),
    rssAfterMB: process.memoryUsage().rss / MB,
  };
}

/** In a child process: decode the valid messages with `mix` mixed in; report the peak. */
async function child(decoder: Decoder, mix: Mix | 'none', bombFile: string): Promise<void> {
  const valid = validMessages();
  const hostile =
    mix === 'none' ? [] : hostileMessages(new Uint8Array(readFileSync(bombFile)), mix);
  const messages: BrokerMessage[] = [];
  valid.forEach((m, i) => {
    messages.push(m);
    if (i % 50 === 25 && hostile.length > 0) messages.push(hostile.shift()!);
  });
  messages.push(...hostile);
  if (decoder === 'worker') {
    console.log(JSON.stringify(await workerChild(messages)));
    return;
  }
  let decoded = 0;
  let refused = 0;
  for (let pass = 0; pass < 2; pass += 1) {
    [decoded, refused] = decodeAll(decoder, messages);
  }
  const result: ChildResult = {
    decoded,
    refused,
    peakMB: peakMB(),
    rssAfterMB: process.memoryUsage().rss / MB,
  };
  console.log(JSON.stringify(result));
}

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const round = (n: number) => Number(n.toFixed(1));

async function main(): Promise<void> {
  const [mode, decoder, mix, bombFile] = process.argv.slice(2);
  if (mode === '--child') {
    await child(decoder as Decoder, mix as Mix | 'none', bombFile!);
    return;
  }
  if (mode === '--make-bomb') {
    writeFileSync(decoder!, deflateSync(Buffer.alloc(200 * MB, 0x20), { level: 9 }));
    return;
  }
  // Linux keeps a process's peak RSS across exec, so a child starts from its parent's
  // RSS at fork: the parent stays small (the bomb is made by a child of its own).
  const run = (args: readonly string[]) =>
    execFileSync(process.execPath, [...process.execArgv, import.meta.filename, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  /** The lowest peak of RUNS children (peaks only err upwards: GC timing, the machine). */
  const measure = (decoder: Decoder, mix: Mix | 'none', bomb: string): ChildResult => {
    const results = Array.from(
      { length: RUNS },
      () => JSON.parse(run(['--child', decoder, mix, bomb])) as ChildResult,
    );
    return results.reduce((best, r) => (r.peakMB < best.peakMB ? r : best));
  };
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-bench-'));
  try {
    const bomb = join(dir, 'bomb.zlib');
    run(['--make-bomb', bomb]);
    for (const decoder of ['celeriac', 'inflate-cap', 'worker'] as const) {
      const alone = measure(decoder, 'none', bomb);
      for (const mix of ['both', 'bombs', 'deep'] as const) {
        const mixed = measure(decoder, mix, bomb);
        const line = {
          bench: 'hostile-input',
          decoder,
          hostile: {
            bombs: `${BOMBS} zlib bombs of 200 MB`,
            deep: `${DEEP} bodies 10,000 deep`,
            both: `${BOMBS} zlib bombs of 200 MB + ${DEEP} bodies 10,000 deep`,
          }[mix],
          validMessages: VALID,
          decoded: mixed.decoded,
          refused: mixed.refused,
          peakValidAloneMB: round(alone.peakMB),
          peakWithHostileMB: round(mixed.peakMB),
          peakIncreaseMB: round(mixed.peakMB - alone.peakMB),
          rssAfterValidAloneMB: round(alone.rssAfterMB),
          rssAfterWithHostileMB: round(mixed.rssAfterMB),
          runs: RUNS,
          loadavg: loadavg().map((n) => Number(n.toFixed(2))),
        };
        console.log(JSON.stringify(line));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
