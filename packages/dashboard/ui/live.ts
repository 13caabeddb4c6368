/**
 * The live stream in a page: one `EventSource` on `/api/stream` asking for what the page
 * shows; each named event replaces that part of the state (the server sends whole
 * views, never patches). The browser reconnects by itself after an outage; `connected`
 * says whether the stream is up.
 */
import { useEffect, useState } from 'preact/hooks';
import type {
  DashboardInfo,
  LiveMessage,
  QueueRow,
  StatsView,
  TaskDetail,
  TaskRow,
  WorkerDetail,
  WorkerRow,
} from '../src/api-types.js';

export interface LiveState {
  connected: boolean;
  /** The server's clock at the last message, and when it arrived here (ms). */
  now: number;
  at: number;
  info?: DashboardInfo;
  broker?: { connected: boolean; error: string | null };
  workers?: readonly WorkerRow[];
  worker?: { hostname: string; detail: WorkerDetail | null };
  tasks?: { tasks: readonly TaskRow[]; total: number };
  task?: { id: string; task: TaskDetail | null };
  queues?: readonly QueueRow[];
  stats?: StatsView;
}

const TYPES: readonly LiveMessage['type'][] = [
  'hello',
  'workers',
  'worker',
  'tasks',
  'task',
  'queues',
  'stats',
  'broker',
];

function apply(state: LiveState, m: LiveMessage): LiveState {
  const next: LiveState = { ...state, now: m.now, at: Date.now() };
  switch (m.type) {
    case 'hello':
      return { ...next, info: m.info };
    case 'broker':
      return { ...next, broker: { connected: m.connected, error: m.error } };
    case 'workers':
      return { ...next, workers: m.workers };
    case 'worker':
      return { ...next, worker: { hostname: m.hostname, detail: m.detail } };
    case 'tasks':
      return { ...next, tasks: { tasks: m.tasks, total: m.total } };
    case 'task':
      return { ...next, task: { id: m.id, task: m.task } };
    case 'queues':
      return { ...next, queues: m.queues };
    case 'stats':
      return { ...next, stats: m.stats };
  }
}

/** Subscribe to the live stream with `query` (e.g. `{ workers: '1' }`). */
export function useLive(query: Record<string, string>): LiveState {
  const search = new URLSearchParams(query).toString();
  const [state, setState] = useState<LiveState>({ connected: false, now: 0, at: 0 });
  useEffect(() => {
    const source = new EventSource(`api/stream?${search}`);
    const onMessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as LiveMessage;
      setState((s) => apply(s, message));
    };
    for (const type of TYPES) source.addEventListener(type, onMessage);
    source.onopen = () => setState((s) => ({ ...s, connected: true }));
    source.onerror = () => setState((s) => ({ ...s, connected: false }));
    return () => source.close();
  }, [search]);
  return state;
}

/** The server's clock now, in seconds, from the last message (ticks between messages). */
export function serverNow(state: LiveState): number {
  return state.now + (Date.now() - state.at) / 1000;
}

/** Re-render every `ms` (ages that tick). */
export function useTick(ms = 1000): void {
  const [, set] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => set((n) => n + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}
