/**
 * The Buffer decoding of a taken envelope (`envelope-buffer.ts`) gives exactly what the
 * string decoding gives, for the envelopes Celery wrote (captured fixtures), celeriac's
 * own, and the shapes that must fall back to the string path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '@celeriac/protocol';
import { testMessage } from '@celeriac/testing';
import { decodeEnvelope, encodeEnvelope } from '@celeriac/redis';
import { decodeEnvelopeBuffer } from '../src/envelope-buffer.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as {
    raw: string[];
  };

const same = (raw: string) =>
  expect(decodeEnvelopeBuffer(Buffer.from(raw, 'utf8'))).toEqual(decodeEnvelope(raw));

describe('decodeEnvelopeBuffer', () => {
  it('decodes envelopes written by Celery 5.2 as the string path does', () => {
    const raws = [...fixture('message-add.json').raw, ...fixture('message-echo.json').raw];
    expect(raws.length).toBeGreaterThan(0);
    for (const raw of raws) same(raw);
  });

  it('decodes celeriac’s envelopes, a body with non-ASCII text and an empty body', () => {
    const route = { exchange: 'ex', routingKey: 'rk' };
    same(encodeEnvelope(testMessage('héllo ✓'), route, 'tag-1'));
    const empty = { ...testMessage('x'), body: new Uint8Array() };
    same(encodeEnvelope(empty, route, 'tag-2'));
    const decoded = decodeEnvelopeBuffer(
      Buffer.from(encodeEnvelope(testMessage('héllo ✓'), route, 't')),
    );
    expect(Buffer.from(decoded.message.body).toString('utf8')).toContain('héllo ✓');
    expect(decoded).toMatchObject({ exchange: 'ex', routingKey: 'rk', deliveryTag: 't' });
  });

  it('falls back to the string path for other shapes, with the same result or error', () => {
    const props = '"properties": {"body_encoding": "utf-8", "delivery_tag": "t"}';
    // A plain-text body with an escape, the body not first, a second body, no body.
    same(`{"body": "a\\"b", "content-type": "text/plain", ${props}}`);
    same(`{"content-type": "text/plain", "body": "abc", ${props}}`);
    same(`{"body": "abc", "content-type": "text/plain", "body": "xyz", ${props}}`);
    same(`{"content-type": "text/plain", ${props}}`);
    same(`{"body": "abc", "content-type": "text/plain", ${props}}`);
    for (const bad of ['{"body": "abc", "headers": [1', 'not json', '{"body": "x"}x', '[1]']) {
      expect(() => decodeEnvelopeBuffer(Buffer.from(bad))).toThrow(DecodeError);
    }
  });
});
