/**
 * Node flags for a process that runs only the dashboard (`celeriac dashboard`, whose bin
 * starts it with them). At 1,000 tasks/s the monitor parses thousands of events a second;
 * with Node's defaults V8 lets the young generation grow to tens of MB and the old one
 * run far ahead of what is live (`npm run bench:dashboard`: over 200 MB RSS loaded).
 *
 * - `--max-semi-space-size=1` and `--optimize-for-size`: a 1 MB young generation and V8's
 *   size-over-speed heuristics; the heap stays near what is live.
 * - `--max-opt=0`: run JavaScript in V8's interpreter only, never compiled to machine
 *   code. The dashboard's work is JSON parsing and small updates (mostly V8's own
 *   built-ins), so it costs about a third more CPU (a few % of one core at 1,000
 *   tasks/s), while the optimizing compilers' own code in the node binary (about 8 MB of
 *   RSS) and their output are never loaded. Unlike `--jitless` it keeps WebAssembly, so
 *   `fetch` still works in the process.
 *
 * All are V8 flags that take effect only at start, on node's command line: Node refuses
 * `--optimize-for-size` and `--max-opt` in `NODE_OPTIONS`.
 */

/** The recommended flags, for `node <flags> …`. */
export const DASHBOARD_NODE_FLAGS = [
  '--max-semi-space-size=1',
  '--optimize-for-size',
  '--max-opt=0',
] as const;
