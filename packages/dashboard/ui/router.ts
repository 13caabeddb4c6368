/**
 * Hash routes (`#/tasks?state=FAILURE`), so the server only ever serves one page and a
 * link works after a reload.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments, decoded: `['workers', 'celery@host']`. */
  parts: string[];
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?');
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  return { parts, query: new URLSearchParams(search) };
}

export function href(parts: readonly string[], query?: Record<string, string>): string {
  const path = parts.map(encodeURIComponent).join('/');
  const search = new URLSearchParams(
    Object.entries(query ?? {}).filter(([, v]) => v !== ''),
  ).toString();
  return `#/${path}${search ? `?${search}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
