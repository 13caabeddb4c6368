/**
 * Prints the spans a real OpenTelemetry SDK exported as an indented tree, one line per
 * span with what says why (reason, decision, outcome, exception), and the links between
 * lifetimes. Runs of identical step spans are folded into one line.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

const SHOWN = [
  'celeriac.actor.path',
  'celeriac.actor.state',
  'celeriac.actor.phase.outcome',
  'celeriac.actor.phase.abandoned_task',
  'celeriac.actor.task.outcome',
  'celeriac.actor.task.next',
  'celeriac.actor.health',
  'celeriac.actor.health.reason',
  'celeriac.actor.supervisor.child',
  'celeriac.actor.supervisor.exit_error',
  'celeriac.actor.supervisor.decision',
  'celeriac.actor.supervisor.backoff_ms',
  'celeriac.actor.supervisor.restarts_in_window',
  'entries',
];

function describe(span: ReadableSpan, names: Map<string, string>): string {
  const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
  const attributes = SHOWN.filter((k) => span.attributes[k] !== undefined).map(
    (k) => `${k.replace('celeriac.actor.', '')}=${JSON.stringify(span.attributes[k])}`,
  );
  const exception = span.events.find((e) => e.name === 'exception');
  if (exception !== undefined) {
    attributes.push(`exception=${String(exception.attributes?.['exception.type'])}`);
  }
  for (const link of span.links) {
    const meaning = link.attributes?.['celeriac.actor.link'];
    const what = typeof meaning === 'string' ? meaning : 'link';
    attributes.push(`${what}→${names.get(link.context.spanId) ?? link.context.spanId}`);
  }
  return `${span.name} (${ms.toFixed(1)} ms) ${attributes.join(' ')}`.trimEnd();
}

/** The lines of the tree. */
export function traceTree(spans: readonly ReadableSpan[]): string[] {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && byId.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const start = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1];
  // Lifetimes and decisions are named by path and order, so links read as "→/feed/poller#1".
  const names = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const span of [...spans].sort((a, b) => start(a) - start(b))) {
    const words = span.name.split(' ');
    const decision = words[2] === 'supervise';
    if (words.length !== 2 && !decision) continue;
    const name = `${String(span.attributes['celeriac.actor.path'])}${decision ? ' supervise' : ''}`;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    names.set(span.spanContext().spanId, `${name}#${n}`);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    const kids = (children.get(parent) ?? []).sort((a, b) => start(a) - start(b));
    for (let i = 0; i < kids.length; i++) {
      const span = kids[i]!;
      const line = describe(span, names).replace(/\(\d+\.\d ms\)/, '');
      let repeats = 1;
      while (
        i + repeats < kids.length &&
        describe(kids[i + repeats]!, names).replace(/\(\d+\.\d ms\)/, '') === line &&
        span.name.includes(' step ')
      ) {
        repeats++;
      }
      const label = names.get(span.spanContext().spanId);
      const shown = describe(span, names) + (label === undefined ? '' : ` [${label}]`);
      lines.push(`${'  '.repeat(depth)}${shown}${repeats > 1 ? ` ×${repeats}` : ''}`);
      walk(span.spanContext().spanId, depth + 1);
      i += repeats - 1;
    }
  };
  walk(undefined, 0);
  return lines;
}
