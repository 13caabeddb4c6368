/** Coloured labels for task states and actor health. */

const TASK_TONE: Record<string, string> = {
  SUCCESS: 'good',
  FAILURE: 'bad',
  REVOKED: 'warn',
  REJECTED: 'warn',
  RETRY: 'warn',
  STARTED: 'busy',
  RECEIVED: 'info',
  PENDING: 'muted',
};

const HEALTH_TONE: Record<string, string> = {
  healthy: 'good',
  degraded: 'warn',
  unhealthy: 'bad',
  crashed: 'bad',
  restarting: 'warn',
  stopped: 'muted',
  stopping: 'muted',
  starting: 'info',
  initializing: 'info',
  paused: 'warn',
  online: 'good',
  offline: 'bad',
};

export function TaskState({ state }: { state: string }) {
  return <span class={`badge ${TASK_TONE[state] ?? 'info'}`}>{state}</span>;
}

export function Health({ value }: { value: string | null }) {
  if (value === null) return <span class="muted">—</span>;
  return <span class={`badge ${HEALTH_TONE[value] ?? 'info'}`}>{value}</span>;
}

export function healthTone(value: string | null): string {
  return value === null ? 'muted' : (HEALTH_TONE[value] ?? 'info');
}
