/**
 * The cluster's control key on the sending side (`docs/security.md`): read from
 * `$CELERIAC_CONTROL_KEY` or a key file (its bytes without one trailing newline), checked
 * at once (at least 16 bytes), and turned into the control client's `sign` hook, so that
 * `celeriac control`, `celeriac inspect`, the dashboard and `app.control` sign every
 * request — the workers that require signatures run the changing ones. Never printed.
 */
import { readFileSync } from 'node:fs';
import type { ControlSigner } from '@celeriac/client';
import type { ControlKey } from '@celeriac/protocol';
import { MIN_CONTROL_KEY_BYTES, SecurityConfigError, signControlRequest } from '@celeriac/protocol';

/** The variable that holds the control key. */
export const CONTROL_KEY_ENV = 'CELERIAC_CONTROL_KEY';

/** The key's bytes, checked: a {@link SecurityConfigError} saying where it came from otherwise. */
function checked(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes.length < MIN_CONTROL_KEY_BYTES) {
    throw new SecurityConfigError(
      `the control key in ${source} is ${bytes.length} bytes; at least ` +
        `${MIN_CONTROL_KEY_BYTES} are needed (generate one with \`openssl rand -hex 32\`)`,
    );
  }
  return bytes;
}

/**
 * The key in `path`: the file's bytes without one trailing newline (`\n` or `\r\n`). A
 * file that cannot be read or is too short is a one-line {@link SecurityConfigError}.
 */
export function readControlKeyFile(path: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SecurityConfigError(`cannot read the control key file ${path}: ${reason}`, {
      cause: error,
    });
  }
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end -= 1;
  if (end < bytes.length && bytes[end - 1] === 0x0d) end -= 1;
  return checked(bytes.subarray(0, end), path);
}

/** The key in `$CELERIAC_CONTROL_KEY` (its UTF-8 bytes), or undefined when unset or empty. */
export function controlKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Uint8Array | undefined {
  const value = env[CONTROL_KEY_ENV];
  if (value === undefined || value === '') return undefined;
  return checked(new TextEncoder().encode(value), `$${CONTROL_KEY_ENV}`);
}

/**
 * The control client's `sign` hook for `key`: every request gets the
 * `celeriac_signature` header (read-only ones too: workers ignore it there, and Python
 * workers ignore it everywhere).
 */
export function controlSigner(key: ControlKey): ControlSigner {
  const bytes = checked(
    typeof key === 'string' ? new TextEncoder().encode(key) : key,
    'the app options',
  );
  return (message) => signControlRequest(message, bytes);
}
