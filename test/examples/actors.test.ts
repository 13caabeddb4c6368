/**
 * The actors example (examples/actors) runs to the end as its own process with a real
 * OpenTelemetry SDK: exit 0, the story on the inspection stream, and the exported trace
 * printed as a tree that says why — the degraded health's reason, the supervisor's
 * decision linked to the crashed lifetime, the restarted lifetime linked to both, the
 * abandoned step of the removed child, and the application's span inside a step.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/actors', () => {
  it('tells its story and prints a trace that says why', async () => {
    const { code, out } = await runExample('actors', [], 60_000);
    expect(code, out).toBe(0);
    expect(out).toMatch(/story told: degraded, restarted, abandoned, released/);
    expect(out).toMatch(
      /\/feed\/poller +started\.running\.healthy → started\.running\.degraded \(health\) — storage does not answer ping/,
    );
    expect(out).toMatch(/\/feed decides to restart \/feed\/poller \(crashed, backoff 200 ms/);
    expect(out).toMatch(/archiver removed: Actor \/feed\/archiver abandoned task "archive"/);
    const tree = out.slice(out.indexOf('The trace, as the OpenTelemetry SDK exported it'));
    expect(tree).toMatch(
      /actor feed-poller health .*health\.reason="storage does not answer ping"/,
    );
    expect(tree).toMatch(
      /actor feed supervise .*supervisor\.decision="restart" .*previous_lifetime→\/feed\/poller#1/,
    );
    expect(tree).toMatch(
      /actor feed-poller .*state="stopped" previous_lifetime→\/feed\/poller#1 decision→\/feed supervise#1/,
    );
    expect(tree).toMatch(/step processing .*task\.outcome="failed" exception=CorruptEntryError/);
    expect(tree).toMatch(
      /actor archiver stop .*phase\.abandoned_task="archive" exception=StepAbandonedError/,
    );
    expect(tree).toMatch(/\n {8}storage\.write .*entries=\d+/);
  });
});
