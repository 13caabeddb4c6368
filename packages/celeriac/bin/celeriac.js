#!/usr/bin/env node
// The `celeriac` command. An installed package (or a built checkout) runs the compiled
// dist/. A checkout that was not built yet runs the TypeScript sources in this same
// process — tsx compiles them, and a resolve hook adds the `@celeriac/source` export
// condition so workspace packages resolve to their src/ — so `npx celeriac` works right
// after `npm install`. Either way the command is this process: no second process stands
// between a signal and the worker. CELERIAC_CLI_SOURCE=1 forces the sources (the
// repository's tests use it so that they never run a stale build).
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import process from 'node:process';
import { URL } from 'node:url';
import { reexecForDashboard } from './node-flags.js';
import { reexecForWorker } from './worker-node-flags.js';

const reexecuted = await reexecForDashboard(process.argv.slice(2));
if (reexecuted !== undefined) process.exit(reexecuted);

const dist = new URL('../dist/cli/run.js', import.meta.url);
const fromSource = process.env.CELERIAC_CLI_SOURCE === '1' || !existsSync(dist);
reexecForWorker(process.argv.slice(2), fromSource);
if (fromSource) {
  register('./source-conditions.js', import.meta.url);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
}
const entry = fromSource ? new URL('../src/cli/run.ts', import.meta.url) : dist;
const { run } = await import(entry.href);
await run(process.argv.slice(2), { fromSource });
