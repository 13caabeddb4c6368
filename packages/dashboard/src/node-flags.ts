/**
 * Node flags for a process that runs only the dashboard (`celeriac dashboard`). At
 * 1,000 tasks/s the monitor parses thousands of events a second; with Node's defaults
 * V8 lets the young generation grow to tens of MB and the old one run far ahead of what
 * is live (`npm run bench:dashboard`: about 220 MB RSS loaded). A 1 MB semi-space and
 * V8's size-over-speed heuristics halve that, and the dashboard keeps up. Both are V8
 * flags: `--optimize-for-size` also works when set at run time (`v8.setFlagsFromString`);
 * the semi-space size only when given at start (command line or `NODE_OPTIONS`).
 */

/** The recommended flags, e.g. for `NODE_OPTIONS`. */
export const DASHBOARD_NODE_FLAGS = ['--max-semi-space-size=1', '--optimize-for-size'] as const;
