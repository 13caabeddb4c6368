/**
 * The dashboard in real headless Chromium, watching a real fleet on a private Redis: a
 * celeriac worker and a Python Celery 5.2 worker appear; tasks sent from the test show up
 * live and reach SUCCESS; failures show their traceback (Python's and celeriac's); revoke
 * from the task page revokes; the celeriac worker's actor tree follows its broker
 * connection being cut and restored. Each page is screenshotted (see browser.ts).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErrorReply } from '@celeriac/client';
import { startDashboard } from '@celeriac/dashboard';
import { createRedisTransport } from '@celeriac/redis';
import { waitFor } from '@celeriac/testing';
import { killPythonChildren, recordingLogger } from '../control/support.js';
import { launchChromium, screenshotDir } from './browser.js';
import { bridgeActors } from './actor-bridge.js';
import { startFleet, type Fleet } from './fleet.js';
import { ensureUiBuilt } from './ui-build.js';

let shots: ReturnType<typeof screenshotDir>;
let fleet: Fleet;
let browser: Browser;

beforeAll(async () => {
  shots = screenshotDir();
  await ensureUiBuilt();
  fleet = await startFleet({ control: { unsigned: true } });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.close();
  await killPythonChildren();
  shots?.remove();
}, 60_000);

async function open(hash: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${fleet.dashboard.url}${hash}`);
  await page.locator('[data-testid="stream-state"]', { hasText: 'live' }).waitFor();
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots.dir, `dashboard-${name}.png`), fullPage: true });
}

/** Wait for the task list row of `id` in `state`. */
async function rowReaches(page: Page, id: string, state: string, timeout = 20_000) {
  try {
    await page.locator(`tr[data-task="${id}"][data-state="${state}"]`).waitFor({ timeout });
  } catch (error) {
    // Say whether the page or the events are behind: what the monitor holds for it.
    const task = fleet.dashboard.monitor.state.task(id);
    const seen = task ? task.history.map((h) => h.state).join(' → ') : 'no event at all';
    throw new Error(`task ${id} not shown ${state} (the monitor saw: ${seen})`, { cause: error });
  }
}

describe('dashboard in Chromium', () => {
  it('shows a celeriac worker and a Python Celery worker appear, online, with their pools', async () => {
    const page = await open('#/workers');
    const { celeriac, python } = fleet.names;
    for (const [node, kind] of [
      [celeriac, 'celeriac'],
      [python, 'python'],
    ] as const) {
      const row = page.locator(`tr[data-worker="${node}"]`);
      await row.waitFor({ timeout: 20_000 });
      await row.locator('[data-testid="worker-status"]', { hasText: 'online' }).waitFor();
      expect(await row.locator('td').nth(1).textContent()).toBe(kind);
      // The pool comes from `inspect stats`, asked every 2 s here.
      await waitFor(async () => !(await row.locator('td').nth(4).textContent())?.includes('—'), {
        timeoutMs: 10_000,
        description: `pool of ${node}`,
      });
      expect(await row.locator('[data-testid="heartbeat-age"]').textContent()).toMatch(/ago$/);
    }
    expect(await page.locator(`tr[data-worker="${python}"] td`).nth(4).textContent()).toMatch(
      /prefork.*× 2/,
    );
    expect(await page.locator(`tr[data-worker="${python}"] td`).last().textContent()).toBe(
      'no tree',
    );
    await page.close();
  });

  it('shows a task sent from the test appear and reach SUCCESS, with its timeline', async () => {
    const page = await open('#/tasks');
    const ts = await fleet.client.sendTask('mon.add', [2, 3], {}, { queue: fleet.names.tsQueue });
    const py = await fleet.client.sendTask('mon.add', [40, 2], {}, { queue: fleet.names.pyQueue });
    await rowReaches(page, ts.id, 'SUCCESS');
    await rowReaches(page, py.id, 'SUCCESS');
    expect(await page.locator(`tr[data-task="${py.id}"] td`).nth(4).textContent()).toBe('42');
    expect(await page.locator(`tr[data-task="${ts.id}"] td`).nth(5).textContent()).toBe(
      fleet.names.celeriac,
    );
    // Filtered by worker: only the Python worker's task stays.
    await page.selectOption('select[name="worker"]', fleet.names.python);
    await page.locator(`tr[data-task="${ts.id}"]`).waitFor({ state: 'detached' });
    expect(await page.locator(`tr[data-task="${py.id}"]`).count()).toBe(1);
    await page.selectOption('select[name="worker"]', '');
    await rowReaches(page, ts.id, 'SUCCESS');
    // A few more on both workers, so the list (and its screenshot) has some life.
    const more = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        fleet.client.sendTask(
          'mon.add',
          [n, n * 10],
          {},
          {
            queue: n % 2 === 0 ? fleet.names.pyQueue : fleet.names.tsQueue,
          },
        ),
      ),
    );
    for (const result of more) await rowReaches(page, result.id, 'SUCCESS');
    await shot(page, 'tasks');

    await page.click(`tr[data-task="${ts.id}"] a`);
    await page.locator('[data-testid="task-result"]', { hasText: '5' }).waitFor();
    const steps = await page.locator('[data-testid="timeline"] li').all();
    const states = await Promise.all(steps.map((li) => li.getAttribute('data-state')));
    expect(states).toEqual(['RECEIVED', 'STARTED', 'SUCCESS']);
    expect(await page.locator('[data-testid="task-args"]').textContent()).toBe('(2, 3)');
    await page.locator('[data-testid="stored-result"]', { hasText: '5' }).waitFor();
    await shot(page, 'task');
    await page.close();
  });

  it('shows the traceback of a failing task, from a Python and a celeriac worker', async () => {
    const py = await fleet.client.sendTask(
      'mon.fail',
      ['kaput from python'],
      {},
      {
        queue: fleet.names.pyQueue,
      },
    );
    const ts = await fleet.client.sendTask(
      'mon.fail',
      ['kaput from celeriac'],
      {},
      {
        queue: fleet.names.tsQueue,
      },
    );
    const page = await open(`#/tasks/${ts.id}`);
    await page.locator('[data-testid="traceback"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid="traceback"]').textContent()).toContain(
      'kaput from celeriac',
    );
    expect(await page.locator('h1').textContent()).toContain('FAILURE');
    await page.goto(`${fleet.dashboard.url}#/tasks/${py.id}`);
    const traceback = page.locator('[data-testid="traceback"]', { hasText: 'ValueError' });
    await traceback.waitFor({ timeout: 20_000 });
    const text = (await traceback.textContent()) ?? '';
    expect(text).toContain('Traceback (most recent call last)');
    expect(text).toContain('ValueError: kaput from python');
    await shot(page, 'task-failure');
    await page.close();
  });

  it('revokes a task from its page, and the worker then refuses to run it', async () => {
    // Held by the worker for its countdown: RECEIVED, revocable.
    const held = await fleet.client.sendTask(
      'mon.add',
      [1, 1],
      {},
      {
        queue: fleet.names.tsQueue,
        countdown: 60,
      },
    );
    const page = await open(`#/tasks/${held.id}`);
    await page.locator('h1', { hasText: 'RECEIVED' }).waitFor({ timeout: 20_000 });
    await page.click('[data-testid="revoke"]');
    await page
      .locator('[data-testid="action-outcome"]', { hasText: fleet.names.celeriac })
      .waitFor();
    await page.locator('h1', { hasText: 'REVOKED' }).waitFor({ timeout: 20_000 });
    const revoked = await fleet.dashboard.monitor.control
      .inspect({ destination: [fleet.names.celeriac], timeoutMs: 2000 })
      .revoked();
    const ids = revoked[fleet.names.celeriac];
    expect(ids && !isErrorReply(ids) ? ids : []).toContain(held.id);
    await page.close();
  });

  it('shows the queues with their consumers, and the charts', async () => {
    const page = await open('#/queues');
    const { tsQueue, pyQueue, celeriac, python } = fleet.names;
    for (const [queue, node] of [
      [tsQueue, celeriac],
      [pyQueue, python],
    ] as const) {
      const row = page.locator(`tr[data-queue="${queue}"]`);
      await row.locator('a', { hasText: node }).waitFor({ timeout: 20_000 });
      await row.locator('[data-testid="queue-length"]', { hasText: '0' }).waitFor({
        timeout: 20_000,
      });
    }
    await shot(page, 'queues');
    await page.goto(`${fleet.dashboard.url}#/charts`);
    await page.locator('[data-testid="runtimes"] td', { hasText: 'mon.add' }).waitFor();
    await page.locator('[data-testid="throughput"] canvas').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await shot(page, 'charts');
    await page.goto(`${fleet.dashboard.url}#/workers`);
    await page.locator(`tr[data-worker="${celeriac}"]`).waitFor();
    await shot(page, 'workers');
    await page.close();
  });
  it('keeps the buttons disabled on a dashboard without control', async () => {
    const transport = createRedisTransport(fleet.redis.url);
    const readOnly = await startDashboard({ transport, port: 0, logger: recordingLogger() });
    try {
      const held = await fleet.client.sendTask(
        'mon.add',
        [2, 2],
        {},
        {
          queue: fleet.names.tsQueue,
          countdown: 60,
        },
      );
      const page = await browser.newPage();
      await page.goto(`${readOnly.url}#/tasks/${held.id}`);
      await page.locator('h1', { hasText: 'RECEIVED' }).waitFor({ timeout: 20_000 });
      expect(await page.locator('[data-testid="control-mode"]').textContent()).toBe('read-only');
      expect(await page.locator('[data-testid="revoke"]').isDisabled()).toBe(true);
      expect(await page.locator('[data-testid="terminate"]').isDisabled()).toBe(true);
      await page.close();
      await fleet.client.revoke(held.id);
    } finally {
      await readOnly.close();
      await transport.close();
    }
  });

  it('shows a Python worker without an actor tree', async () => {
    const page = await open(`#/workers/${fleet.names.python}`);
    await page
      .locator('[data-testid="no-tree"]', { hasText: 'Python Celery workers have no actor tree' })
      .waitFor();
    await page.close();
  });

  // Needs the worker side of contract 6 (`actor_tree`, `actor-transition` events): skipped,
  // saying so, until a celeriac worker answers `actor_tree`.
  it("draws the celeriac worker's actor tree and follows its broker connection cut and restored", async (ctx) => {
    const node = fleet.names.celeriac;
    const trees = await fleet.dashboard.monitor.control
      .inspect({ destination: [node], timeoutMs: 2000 })
      .actorTree();
    const reply = trees[node];
    if (reply === undefined || isErrorReply(reply)) {
      ctx.skip('waiting on the worker: it does not answer actor_tree yet (contract 6)');
      return;
    }
    const page = await open(`#/workers/${encodeURIComponent(node)}`);
    const connection = page.locator('[data-testid="actor-tree"] [data-path$="/connection"]');
    await connection.waitFor({ timeout: 20_000 });
    expect(await connection.getAttribute('data-health')).toBe('healthy');
    expect(await page.locator('[data-testid="actor-tree"] [data-path$="/pool"]').count()).toBe(1);

    const cutAt = Date.now() / 1000;
    fleet.proxy.cut();
    // Cut off, the worker cannot say anything: its heartbeats stop, the page marks it
    // offline and its tree as its last known state.
    await page.locator('[data-testid="tree-stale"]').waitFor({ timeout: 20_000 });
    await shot(page, 'worker-cut-off');
    fleet.proxy.restore();
    // Back: online, the tree fresh, the connection healthy again, and its transitions
    // since the cut (degraded while reconnecting, then healthy) in the list.
    await page
      .locator('[data-testid="tree-stale"]')
      .waitFor({ state: 'detached', timeout: 40_000 });
    await page
      .locator('[data-testid="actor-tree"] [data-path$="/connection"][data-health="healthy"]')
      .waitFor({ timeout: 20_000 });
    const rows = page.locator('[data-testid="transitions"] tr[data-path$="/connection"]');
    await rows.first().waitFor({ timeout: 20_000 });
    const since: string[] = [];
    for (const row of await rows.all()) {
      const at = Number(await row.getAttribute('data-at'));
      if (at >= cutAt) since.push((await row.getAttribute('data-to')) ?? '');
    }
    // Newest first: the last word is healthy, and degraded came before it.
    expect(since[0]).toMatch(/healthy/);
    expect(since.some((to) => /degraded/.test(to))).toBe(true);
    await shot(page, 'worker');
    await page.close();
  }, 120_000);
  it("draws a celeriac worker's real actor tree and follows its connection degraded, then healthy", async () => {
    // The tree and its transitions come in-process from the worker's actor system (see
    // actor-bridge.ts) until workers send them over the broker (the test above).
    const stop = bridgeActors(fleet.celeriac, fleet.dashboard.monitor.state);
    try {
      const page = await open(`#/workers/${encodeURIComponent(fleet.names.celeriac)}`);
      const tree = page.locator('[data-testid="actor-tree"]');
      const connection = tree.locator('[data-path$="/connection"]');
      await connection.waitFor({ timeout: 20_000 });
      expect(await connection.getAttribute('data-health')).toBe('healthy');
      for (const part of ['pool', 'consumer', 'events', 'control']) {
        expect(await tree.locator(`[data-path$="/${part}"]`).count()).toBe(1);
      }
      expect(await tree.locator('[data-path*="/pool/"]').count()).toBe(2); // concurrency 2
      await shot(page, 'worker');

      fleet.proxy.cut();
      await tree.locator('[data-path$="/connection"][data-health="degraded"]').waitFor({
        timeout: 20_000,
      });
      await tree.locator('[data-path$="/consumer"][data-condition="paused"]').waitFor();
      // Its heartbeats stopped too: offline, the tree marked as the last known state.
      await page.locator('[data-testid="tree-stale"]').waitFor({ timeout: 20_000 });
      await shot(page, 'worker-degraded');

      fleet.proxy.restore();
      await tree.locator('[data-path$="/connection"][data-health="healthy"]').waitFor({
        timeout: 30_000,
      });
      await tree.locator('[data-path$="/consumer"][data-condition="healthy"]').waitFor();
      await page.locator('[data-testid="tree-stale"]').waitFor({
        state: 'detached',
        timeout: 30_000,
      });
      const tos = await Promise.all(
        (await page.locator('[data-testid="transitions"] tr[data-path$="/connection"]').all()).map(
          (row) => row.getAttribute('data-to'),
        ),
      );
      // Newest first: healthy again after degraded.
      expect(tos[0]).toMatch(/healthy$/);
      expect(tos.some((to) => to?.endsWith('degraded'))).toBe(true);
      await page.close();
    } finally {
      stop();
    }
  }, 120_000);
});
