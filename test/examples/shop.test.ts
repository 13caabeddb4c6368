/**
 * The shop example (examples/shop) runs to the end on memory:// as its own process:
 * exit 0 and the story — one order confirmed after email and SMS, one failed at once with
 * ChordError and its errback paging the on-call.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../examples/shop/', import.meta.url));

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@celeriac/source', '--import', 'tsx', 'src/main.ts', ...args],
      { cwd: exampleDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`examples/shop did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('examples/shop', () => {
  it('runs the story on memory:// and exits 0', async () => {
    const { code, out } = await run([], 60_000);
    expect(code, out).toBe(0);
    const story = out.split('\n').filter((line) => line.startsWith('[shop] '));
    expect(story[0]).toMatch(
      /^\[shop\] broker memory:\/\/, results memory:\/\/, provider http:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(story.slice(1)).toEqual([
      '[shop] order A-1001 placed',
      '[shop] order A-1001 notified by email and sms',
      '[shop] order A-1001 confirmed (2 receipts)',
      '[shop] order A-1002 placed',
      expect.stringMatching(
        /^\[shop\] order A-1002 not confirmed: ChordError: Dependency [0-9a-f-]{36} raised ProviderError\('sms provider answered 503: carrier rejected \+33 6 00 00 00 02'\)$/,
      ),
      '[shop] alert_ops paged on-call about order A-1002',
      '[shop] done',
    ]);
  }, 90_000);
});
