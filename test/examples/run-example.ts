/**
 * Runs one of `examples/*` as a user would (its `src/main.ts` as its own process, from
 * the packages' sources) and collects what it printed.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the example printed (stdout and stderr together) and its exit code. */
export interface ExampleRun {
  readonly code: number | null;
  readonly out: string;
}

/** Run `examples/<name>` with `args`; rejects when it runs longer than `timeoutMs`. */
export function runExample(
  name: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<ExampleRun> {
  const cwd = fileURLToPath(new URL(`../../examples/${name}/`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@celeriac/source', '--import', 'tsx', 'src/main.ts', ...args],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`examples/${name} did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
