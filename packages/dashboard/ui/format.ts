/** Formatting for the pages: ages, durations, times, numbers. */

/** `3 s`, `4 min`, `2 h` from seconds. */
export function age(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, seconds);
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** A runtime in seconds: `12 ms`, `1.20 s`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 0.001) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (seconds < 1) return `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  return `${seconds.toFixed(2)} s`;
}

/** Wall-clock time of a unix-seconds timestamp, with milliseconds. */
export function clock(seconds: number | null): string {
  if (seconds === null) return '—';
  const d = new Date(seconds * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en');
}

export function rate(n: number): string {
  return n >= 10 ? n.toFixed(0) : n.toFixed(n === 0 ? 0 : 2);
}
