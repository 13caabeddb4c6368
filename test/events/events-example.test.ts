/**
 * The events example (examples/events) runs to the end as its own process on memory://:
 * exit 0, and the story — one order.created to email, SMS and the analytics transformer,
 * whose document the warehouse loads; a double click published once; a bad payload
 * refused; a post fanned out to three followers' feeds.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../examples/events/', import.meta.url));

function run(timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@celeriac/source', '--import', 'tsx', 'src/main.ts'],
      { cwd: exampleDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`examples/events did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('examples/events', () => {
  it('tells the shop and social stories on memory:// and exits 0', async () => {
    const { code, out } = await run(60_000);
    expect(out).toMatch(
      /shop\.order\.created \S+ → shop\.email\.order_confirmation@email, shop\.sms\.order_confirmation@sms, analytics\.order\.to_facts@analytics/,
    );
    expect(out).toMatch(/warehouse loaded \{"orderId":"A-1001","revenue":59\.9,"items":3/);
    expect(out).toContain('double click: ids equal, duplicate: false/true');
    expect(out).toMatch(/refused: Invalid payload of event shop\.order\.created: payload\.total/);
    expect(out).toContain('feeds: {"grace":["p-42"],"linus":["p-42"],"barbara":["p-42"]}');
    expect(out).toContain('done: every subscriber ran exactly as often as the story says');
    expect(code).toBe(0);
  }, 90_000);
});
