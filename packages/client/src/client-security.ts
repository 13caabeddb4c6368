/**
 * The client's `security` option: Celery's `security_*` settings (or a ready
 * `AuthSerializer`) turned into the serializer every task body is signed with.
 */
import {
  createMessageSecurity,
  isAuthSerializer,
  SecurityConfigError,
  type AuthSerializer,
} from '@celeriac/protocol';
import type { ClientOptions } from './client-options.js';

/**
 * The auth serializer a client signs with, checked at creation: settings that cannot
 * sign (no key, a key not matching the certificate, an expired certificate, a serializer
 * other than JSON) throw `SecurityConfigError` from `createClient`, not at the first send.
 */
export function signerOf(security: ClientOptions['security']): AuthSerializer | undefined {
  if (security === undefined) return undefined;
  const auth = isAuthSerializer(security) ? security : createMessageSecurity(security);
  if (auth.signer === undefined) {
    throw new SecurityConfigError(
      'security: a client signs every task, so it needs key and cert (security_key, ' +
        'security_certificate), not only a certificate store',
    );
  }
  return auth;
}
