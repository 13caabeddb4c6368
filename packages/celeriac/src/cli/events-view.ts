/**
 * The live view of `celeriac events`: a screenful, redrawn each second, of the workers
 * (online or not, active and processed counts, load, last heartbeat) and the latest tasks
 * (state, worker, runtime), as Celery's `celery events` curses view shows them.
 */
import type { TaskInfo, WorkerInfo } from '@celeriac/monitor';

/** What one frame shows. */
export interface ViewInput {
  title: string;
  workers: readonly WorkerInfo[];
  tasks: readonly TaskInfo[];
  tasksByState: Readonly<Record<string, number>>;
  /** Unix seconds. */
  now: number;
}

function ago(seconds: number | undefined, now: number): string {
  if (seconds === undefined) return '-';
  const s = Math.max(0, Math.round(now - seconds));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

function clock(seconds: number | null): string {
  return seconds === null ? '-' : new Date(seconds * 1000).toISOString().slice(11, 19);
}

function cell(text: string | number | null | undefined, width: number): string {
  const value = text === null || text === undefined ? '-' : String(text);
  return value.length > width ? `${value.slice(0, width - 1)}…` : value.padEnd(width);
}

/** The frame's lines. */
export function renderView(input: ViewInput): string[] {
  const online = input.workers.filter((worker) => worker.online).length;
  const states = Object.entries(input.tasksByState)
    .map(([state, count]) => `${state} ${count}`)
    .join(', ');
  const lines = [
    `${input.title} — ${online}/${input.workers.length} workers online — tasks: ${states || 'none yet'}`,
    '',
    `${cell('WORKER', 32)} ${cell('STATUS', 8)} ${cell('ACTIVE', 7)} ${cell('PROCESSED', 10)} ${cell('LOAD', 17)} ${cell('HEARTBEAT', 11)} SOFTWARE`,
  ];
  for (const worker of input.workers) {
    lines.push(
      [
        cell(worker.hostname, 32),
        cell(worker.online ? 'ONLINE' : 'OFFLINE', 8),
        cell(worker.active, 7),
        cell(worker.processed, 10),
        cell(worker.loadavg?.map((load) => load.toFixed(2)).join(' '), 17),
        cell(ago(worker.heartbeats.at(-1), input.now), 11),
        `${worker.swIdent ?? ''} ${worker.swVer ?? ''}`.trim() || '-',
      ].join(' '),
    );
  }
  if (input.workers.length === 0) lines.push('  (no worker seen yet: start workers with -E)');
  lines.push(
    '',
    `${cell('TASK ID', 36)} ${cell('NAME', 28)} ${cell('STATE', 9)} ${cell('RECEIVED', 8)} ${cell('WORKER', 24)} RUNTIME`,
  );
  for (const task of input.tasks) {
    lines.push(
      [
        cell(task.id, 36),
        cell(task.name, 28),
        cell(task.state, 9),
        cell(clock(task.received), 8),
        cell(task.worker, 24),
        task.runtime === null ? '-' : `${task.runtime.toFixed(3)} s`,
      ].join(' '),
    );
  }
  return lines;
}
