/**
 * The events example (examples/events) runs to the end as its own process on memory://:
 * exit 0, and the story — one order.created to email, SMS and the analytics transformer,
 * whose document the warehouse loads; a double click published once; a bad payload
 * refused; a post fanned out to three followers' feeds.
 */
import { describe, expect, it } from 'vitest';
import { runExample } from './run-example.js';

describe('examples/events', () => {
  it('tells the shop and social stories on memory:// and exits 0', async () => {
    const { code, out } = await runExample('events', [], 60_000);
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
