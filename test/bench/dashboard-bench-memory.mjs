/* global process, setInterval */
// Preloaded (`node --import`) into the `celeriac dashboard` process by dashboard.bench.ts:
// prints `mem <process.memoryUsage() as JSON>` every 500 ms, the heap figures that only
// the process itself can read. One small module and a timer: nothing the RSS would show.
setInterval(() => {
  process.stdout.write(`mem ${JSON.stringify(process.memoryUsage())}\n`);
}, 500).unref();
