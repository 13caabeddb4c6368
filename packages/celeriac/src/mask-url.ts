/**
 * Passwords out of URLs before they are printed or logged: `redis://:secret@h/0` →
 * `redis://:****@h/0`, `amqp://guest:guest@h//` → `amqp://guest:****@h//`, every URL of a
 * `;`-separated list (several hosts, Sentinel) and `password=` in the query included.
 */
export function maskUrl(url: string): string {
  return url
    .replace(/(\/\/[^:@/;]*):[^@/;]+@/g, '$1:****@')
    .replace(/([?&](?:password|pass|secret|token)=)[^&;]*/gi, '$1****');
}
