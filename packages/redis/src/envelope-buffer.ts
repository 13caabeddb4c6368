/**
 * Decoding a taken envelope straight from the Buffer Redis sent, in one pass over its
 * bytes: the take script's reply comes as Buffers, so the envelope is never turned into
 * one JavaScript string, and the JSON parser never walks the body.
 *
 * Every envelope kombu, Celery and celeriac write starts with the body (kombu's key
 * order): `{"body": "<base64>", "content-encoding": …}`. So the body's bytes are found
 * with two byte searches, base64-decoded from those bytes, and only the rest of the
 * envelope (headers and properties: a few hundred bytes) goes through `JSON.parse`. The
 * profile of a worker draining 100 KB messages spent over half its busy time turning
 * the reply into a string and parsing the envelope around the body; a no-op message a
 * tenth. Any other shape (another key first, an escape in the body, a second `body`)
 * takes the string path of `decodeEnvelope`, with its errors.
 */
import type { DecodedEnvelope } from './envelope.js';
import { decodeEnvelope, decodeParsedEnvelope } from './envelope.js';

const BODY_START = Buffer.from('{"body": "', 'latin1');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/** Decode the envelope in `raw` (bytes as stored in the list); see the module comment. */
export function decodeEnvelopeBuffer(raw: Buffer): DecodedEnvelope {
  const start = BODY_START.length;
  if (raw.length > start && raw.subarray(0, start).equals(BODY_START)) {
    const end = raw.indexOf(QUOTE, start);
    if (end > 0 && raw[end + 1] === COMMA && raw.subarray(start, end).indexOf(BACKSLASH) < 0) {
      let rest: unknown;
      try {
        rest = JSON.parse(`{${raw.toString('utf8', end + 2)}`);
      } catch {
        rest = undefined;
      }
      if (typeof rest === 'object' && rest !== null && !Array.isArray(rest) && !('body' in rest)) {
        return decodeParsedEnvelope(rest as Record<string, unknown>, (props) =>
          props['body_encoding'] === 'base64'
            ? // utf8, not latin1: Node's UTF-8 decoding (SIMD) was the faster of the two here.
              Buffer.from(raw.toString('utf8', start, end), 'base64')
            : // No escapes: the JSON string's bytes are the body's UTF-8 bytes (copied, so
              // the reply's buffer is not kept alive by the message).
              new Uint8Array(raw.subarray(start, end)),
        );
      }
    }
  }
  return decodeEnvelope(raw.toString('utf8'));
}
