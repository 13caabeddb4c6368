/**
 * Who may open the dashboard: HTTP basic authentication (the browser asks once and
 * sends the credentials with every request, the live stream included), or a bearer
 * token (a header for scripts; for a browser, `/?token=…` once, then an HTTP-only,
 * same-site cookie, because `EventSource` cannot send headers). Secrets are compared in
 * constant time, through their SHA-256 digests so lengths do not leak either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { BasicUser, DashboardAuth } from './dashboard-options.js';

/** The cookie holding the token in a browser. */
export const TOKEN_COOKIE = 'celeriac_dashboard_token';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function same(a: string, b: Buffer): boolean {
  return timingSafeEqual(digest(a), b);
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function basicAuth(users: readonly BasicUser[]): MiddlewareHandler {
  const known = users.map((u) => ({ user: digest(u.username), password: digest(u.password) }));
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (match) {
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const cut = decoded.indexOf(':');
      const user = decoded.slice(0, cut);
      const password = decoded.slice(cut + 1);
      // Check every user so the time does not say which name exists.
      let ok = false;
      for (const k of known) ok = (same(user, k.user) && same(password, k.password)) || ok;
      if (cut > 0 && ok) return next();
    }
    return c.text('Unauthorized', 401, {
      'WWW-Authenticate': 'Basic realm="celeriac dashboard", charset="UTF-8"',
    });
  };
}

function tokenAuth(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const given = bearer ?? cookie(c.req.header('cookie'), TOKEN_COOKIE);
    if (given !== undefined && same(given, expected)) return next();
    const query = c.req.query('token');
    if (query !== undefined && same(query, expected) && c.req.method === 'GET') {
      // Keep it in a cookie and take it out of the address bar (and of the history).
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      const secure = url.protocol === 'https:' ? '; Secure' : '';
      return c.body(null, 303, {
        Location: `${url.pathname}${url.search}${url.hash}`,
        'Set-Cookie': `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/${secure}`,
      });
    }
    return c.json({ error: 'unauthorized: give the dashboard token' }, 401);
  };
}

/** The middleware enforcing `auth`; undefined when anyone may open the dashboard. */
export function authMiddleware(auth: DashboardAuth | undefined): MiddlewareHandler | undefined {
  if (auth === undefined) return undefined;
  if ('token' in auth) return tokenAuth(auth.token);
  const users: readonly BasicUser[] = Array.isArray(auth.basic)
    ? (auth.basic as readonly BasicUser[])
    : [auth.basic as BasicUser];
  return basicAuth(users);
}
