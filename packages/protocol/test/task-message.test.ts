import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ContentDisallowedError,
  DecodeError,
  EncodeError,
  NAMESPACE_OID,
  TASK_HEADER_KEYS,
  anonNodename,
  decodeTaskMessage,
  encodeTaskMessage,
  generateOid,
  uuid3,
  type BrokerMessage,
  type TaskMessage,
} from '@celeriac/protocol';
import { python } from './python-fixtures.js';
import {
  amqpMessages,
  fromRedisEnvelope,
  jsonMessage,
  readSample,
  redisMessages,
  sampleNames,
} from './samples.js';

const captured: [string, BrokerMessage][] = [
  ...sampleNames('redis/messages').flatMap((name) =>
    redisMessages(name).map((m, i) => [`redis/${name}#${i}`, m] as [string, BrokerMessage]),
  ),
  ...sampleNames('rabbitmq').flatMap((name) =>
    amqpMessages(name).map((m, i) => [`rabbitmq/${name}#${i}`, m] as [string, BrokerMessage]),
  ),
  ...python.messages.map(
    (raw, i) => [`python-generated#${i}`, fromRedisEnvelope(raw)] as [string, BrokerMessage],
  ),
];

/** Re-encode from the decoded fields only. */
function reencode(decoded: TaskMessage, original: BrokerMessage): BrokerMessage {
  const raw = original.headers;
  return encodeTaskMessage(
    {
      headers: {
        ...decoded.headers,
        // Python keeps microseconds a Date cannot hold; a retry passes the string through.
        eta: typeof raw['eta'] === 'string' ? raw['eta'] : decoded.headers.eta,
        expires: typeof raw['expires'] === 'string' ? raw['expires'] : decoded.headers.expires,
      },
      properties: decoded.properties,
      args: decoded.args,
      kwargs: decoded.kwargs,
      embed: decoded.embed,
    },
    decoded.compression === undefined ? {} : { compression: decoded.compression as 'zlib' },
  );
}

describe('task messages captured from Celery 5.2.6', () => {
  it('has samples of every kind', () => {
    expect(captured.length).toBeGreaterThan(40);
  });

  it.each(captured)('%s decodes and re-encodes identically', (_, message) => {
    const decoded = decodeTaskMessage(message);
    expect(decoded.protocol).toBe('v2');
    expect(decoded.headers.task).toBe(message.headers['task']);
    const again = reencode(decoded, message);
    expect(Object.keys(again.headers)).toEqual(Object.keys(message.headers));
    expect(again.headers).toEqual(message.headers);
    expect(again.properties).toEqual(message.properties);
    expect(again.contentType).toBe(message.contentType);
    expect(again.contentEncoding).toBe(message.contentEncoding);
    // Node's zlib may pick other matches than Python's at the same level: compare inflated.
    const bytes = (m: BrokerMessage) =>
      Buffer.from(decoded.compression === undefined ? m.body : inflateSync(m.body)).toString();
    expect(bytes(again)).toBe(bytes(message));
  });

  it('reads the chain embed (reversed, frozen task ids) and chord body', () => {
    const chain = decodeTaskMessage(redisMessages('chain')[0]!);
    expect(chain.embed.chain?.length).toBeGreaterThan(0);
    for (const sig of chain.embed.chain!) {
      expect(typeof sig.options.task_id).toBe('string');
      expect(sig.subtask_type).toBeNull();
    }
    const chord = decodeTaskMessage(redisMessages('chord')[0]!);
    expect(chord.embed.chord?.task).toMatch(/^interop\./);
    expect(chord.headers.group).toMatch(/^[0-9a-f-]{36}$/);
    expect(chord.headers.groupIndex).toBe(0);
  });

  it('decodes eta, expires, timelimit and extra headers of a Python message', () => {
    const m = decodeTaskMessage(fromRedisEnvelope(python.messages[2]!));
    expect(m.headers.eta?.toISOString()).toBe('2026-11-23T20:39:46.269Z');
    expect(m.headers.expires?.toISOString()).toBe('2036-11-24T00:00:00.000Z');
    expect(m.headers.timelimit).toEqual([30, 20.5]);
    expect(m.headers.ignoreResult).toBe(true);
    expect(m.headers.groupIndex).toBe(2);
    expect(m.headers.extraHeaders).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(m.properties.priority).toBe(5);
    const zipped = decodeTaskMessage(fromRedisEnvelope(python.messages[1]!));
    expect(zipped.compression).toBe('application/x-gzip');
    expect(zipped.args).toEqual(['x'.repeat(50)]);
  });
});

describe('encodeTaskMessage', () => {
  const now = new Date(Date.UTC(2026, 10, 23, 20, 0, 0));

  it('fills in what Celery 5.2.6 fills in', () => {
    const m = encodeTaskMessage({
      headers: { task: 'proj.add', id: 'id-1', origin: anonNodename(15854, 'vm') },
      properties: { replyTo: 'oid-1' },
      args: [2, 3],
    });
    expect(Object.keys(m.headers)).toEqual([...TASK_HEADER_KEYS]);
    expect(m.headers).toMatchObject({
      lang: 'py',
      root_id: 'id-1',
      argsrepr: '(2, 3)',
      kwargsrepr: '{}',
      origin: 'gen15854@vm',
      timelimit: [null, null],
      retries: 0,
    });
    expect(m.properties).toEqual({
      correlationId: 'id-1',
      replyTo: 'oid-1',
      deliveryMode: 2,
      priority: 0,
    });
    expect(new TextDecoder().decode(m.body)).toBe(
      '[[2, 3], {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]',
    );
  });

  it('writes eta/expires like isoformat(), expiration in ms, extra headers then compression', () => {
    const m = encodeTaskMessage(
      {
        headers: {
          task: 't',
          id: 'i',
          eta: new Date(now.getTime() + 10_000),
          expires: new Date(now.getTime() + 60_000),
          extraHeaders: { traceparent: 'tp' },
        },
        kwargs: { a: 1 },
      },
      { now, compression: 'zlib' },
    );
    expect(m.headers['eta']).toBe('2026-11-23T20:00:10+00:00');
    expect(m.headers['expires']).toBe('2026-11-23T20:01:00+00:00');
    expect(m.properties.expiration).toBe('60000');
    expect(m.headers['kwargsrepr']).toBe("{'a': 1}");
    expect(Object.keys(m.headers).slice(-2)).toEqual(['traceparent', 'compression']);
    expect(decodeTaskMessage(m).kwargs).toEqual({ a: 1 });
    const past = encodeTaskMessage(
      { headers: { task: 't', id: 'i', expires: new Date(now.getTime() - 5) } },
      { now },
    );
    expect(past.properties.expiration).toBe('0');
  });

  it('names the argument that cannot be encoded', () => {
    expect(() => encodeTaskMessage({ headers: { task: 't', id: 'i' }, args: [1, 2n] })).toThrow(
      new EncodeError(
        'args[1]',
        'a bigint is not JSON-serializable; convert it to a number or string',
      ),
    );
    expect(() =>
      encodeTaskMessage({ headers: { task: 't', id: 'i' }, kwargs: { when: new Set() } }),
    ).toThrow(/^kwargs\.when: a Set/);
  });
});

describe('decodeTaskMessage: v1, hybrid, tolerance', () => {
  it('accepts the minimal message a 5.2.6 worker runs, with an empty embed', () => {
    const m = decodeTaskMessage(jsonMessage([[2, 2], {}, {}], { task: 'proj.add', id: 'x' }));
    expect(m.headers).toMatchObject({ task: 'proj.add', id: 'x', retries: 0, rootId: null });
    expect(m.embed).toEqual({ callbacks: null, errbacks: null, chain: null, chord: null });
    expect(decodeTaskMessage(jsonMessage([[1], {}], { task: 't', id: 'x' })).args).toEqual([1]);
  });

  it('decodes protocol v1 (everything in the body)', () => {
    const m = decodeTaskMessage(
      jsonMessage({
        task: 'proj.add',
        id: 'v1-id',
        args: [1, 2],
        kwargs: { k: 1 },
        retries: 2,
        eta: '2026-11-23T20:39:46.269542',
        expires: null,
        utc: true,
        taskset: 'g1',
        timelimit: [10, null],
        callbacks: [
          {
            task: 'proj.cb',
            args: [],
            kwargs: {},
            options: {},
            subtask_type: null,
            immutable: false,
          },
        ],
        errbacks: null,
        chord: null,
      }),
    );
    expect(m.protocol).toBe('v1');
    expect(m.headers).toMatchObject({
      task: 'proj.add',
      id: 'v1-id',
      rootId: 'v1-id',
      group: 'g1',
      retries: 2,
    });
    expect(m.headers.eta?.toISOString()).toBe('2026-11-23T20:39:46.269Z');
    expect(m.headers.timelimit).toEqual([10, null]);
    expect(m.headers.extraHeaders).toEqual({});
    expect(m.args).toEqual([1, 2]);
    expect(m.embed.callbacks?.[0]?.task).toBe('proj.cb');
  });

  it('decodes hybrid messages (v1 body, v2 headers win)', () => {
    const m = decodeTaskMessage(
      jsonMessage(
        { task: 'old', id: 'body-id', args: [1], kwargs: {}, retries: 1 },
        { task: 'proj.new', id: 'hdr-id', traceparent: 'tp' },
      ),
    );
    expect(m.protocol).toBe('hybrid');
    expect(m.headers).toMatchObject({ task: 'proj.new', id: 'hdr-id', retries: 1 });
    expect(m.headers.extraHeaders).toEqual({ traceparent: 'tp' });
  });

  it('keeps extra header and property keys (retry leaks, redelivered)', () => {
    const m = decodeTaskMessage(
      jsonMessage(
        [[], {}, null],
        { task: 't', id: 'i', redelivered: true },
        {
          properties: { priority: 3, extra: { replaced_task_nesting: 0, origin: 'gen1@vm' } },
        },
      ),
    );
    expect(m.headers.extraHeaders).toEqual({ redelivered: true });
    expect(m.properties.extra).toEqual({ replaced_task_nesting: 0, origin: 'gen1@vm' });
  });
});

describe('decodeTaskMessage refusals', () => {
  const v2 = (headers: Record<string, unknown>, body: unknown = [[], {}, {}]) =>
    jsonMessage(body, { task: 'proj.t', id: 'i', ...headers });

  it.each([
    [
      'pickle',
      jsonMessage('x', {}, { contentType: 'application/x-python-serialize' }),
      ContentDisallowedError,
      '',
    ],
    [
      'yaml',
      jsonMessage('x', {}, { contentType: 'application/x-yaml' }),
      ContentDisallowedError,
      '',
    ],
    [
      'unknown compression',
      v2({ compression: 'application/x-bz2' }),
      DecodeError,
      'headers.compression',
    ],
    ['bad JSON', jsonMessage('[[1], {}', { task: 't', id: 'i' }), DecodeError, 'body'],
    ['task not a string', v2({ task: 5 }), DecodeError, 'headers.task'],
    ['task null', v2({ task: null }), DecodeError, 'headers.task'],
    ['id missing', v2({ id: undefined }), DecodeError, 'headers.id'],
    ['id not a string', v2({ id: 12 }), DecodeError, 'headers.id'],
    ['shadow', v2({ shadow: 1 }), DecodeError, 'headers.shadow'],
    ['eta not ISO', v2({ eta: 'soon' }), DecodeError, 'headers.eta'],
    ['expires a number', v2({ expires: 60 }), DecodeError, 'headers.expires'],
    ['group', v2({ group: [] }), DecodeError, 'headers.group'],
    ['group_index', v2({ group_index: '1' }), DecodeError, 'headers.group_index'],
    ['retries', v2({ retries: 1.5 }), DecodeError, 'headers.retries'],
    ['negative retries', v2({ retries: -1 }), DecodeError, 'headers.retries'],
    ['timelimit shape', v2({ timelimit: 5 }), DecodeError, 'headers.timelimit'],
    ['timelimit soft', v2({ timelimit: [null, 'x'] }), DecodeError, 'headers.timelimit[1]'],
    ['root_id', v2({ root_id: 1 }), DecodeError, 'headers.root_id'],
    ['parent_id', v2({ parent_id: {} }), DecodeError, 'headers.parent_id'],
    ['argsrepr', v2({ argsrepr: [] }), DecodeError, 'headers.argsrepr'],
    ['origin', v2({ origin: 1 }), DecodeError, 'headers.origin'],
    ['ignore_result', v2({ ignore_result: 'yes' }), DecodeError, 'headers.ignore_result'],
    ['body not an array', v2({}, 'hello'), DecodeError, 'body'],
    ['body too short', v2({}, [[]]), DecodeError, 'body'],
    ['args not array', v2({}, [{}, {}, {}]), DecodeError, 'body[0]'],
    ['kwargs not object', v2({}, [[], [], {}]), DecodeError, 'body[1]'],
    ['embed not object', v2({}, [[], {}, []]), DecodeError, 'body[2]'],
    ['callbacks not a list', v2({}, [[], {}, { callbacks: {} }]), DecodeError, 'body[2].callbacks'],
    [
      'chain item',
      v2({}, [[], {}, { chain: [{ args: [] }] }]),
      DecodeError,
      'body[2].chain[0].task',
    ],
    [
      'chord args',
      v2({}, [[], {}, { chord: { task: 'x', args: 1 } }]),
      DecodeError,
      'body[2].chord.args',
    ],
    [
      'v2 body without task header',
      jsonMessage([[], {}, {}], { id: 'i' }),
      DecodeError,
      'headers.task',
    ],
    ['v1 args', jsonMessage({ task: 't', id: 'i', args: 'x' }), DecodeError, 'body.args'],
    ['v1 kwargs', jsonMessage({ task: 't', id: 'i', kwargs: [] }), DecodeError, 'body.kwargs'],
    ['v1 id', jsonMessage({ task: 't' }), DecodeError, 'body.id'],
    ['neither', jsonMessage('"just a string"'), DecodeError, 'body'],
  ])('%s', (_, message, kind, path) => {
    let error: unknown;
    try {
      decodeTaskMessage(message);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(kind);
    if (error instanceof DecodeError) {
      expect(error.path).toBe(path);
      expect(error.message.startsWith(`${path}: `)).toBe(true);
    }
  });

  it('says what was wrong in words', () => {
    expect(() => decodeTaskMessage(jsonMessage([[], {}, {}], { task: 't', id: 5 }))).toThrow(
      'headers.id: expected a string',
    );
    expect(() => decodeTaskMessage(jsonMessage({}, { task: 't', id: 'i' }))).toThrow(
      'body: expected [args, kwargs, embed]',
    );
    expect(() => decodeTaskMessage(jsonMessage(['a', {}, {}], { task: 't', id: 'i' }))).toThrow(
      'body[0]: args must be an array',
    );
  });
});

describe('uuid3 and oids', () => {
  it("matches Python's uuid.uuid3(NAMESPACE_OID, name)", () => {
    for (const { name, uuid } of python.uuid3) expect(uuid3(NAMESPACE_OID, name)).toBe(uuid);
  });
  it('builds kombu oids from hex parts', () => {
    expect(generateOid(0x1a2b, 0x3c4d, 0, 0x7f00aa)).toBe(
      uuid3(NAMESPACE_OID, '1a2b-3c4d-0-7f00aa'),
    );
  });
});

describe('in-flight samples (unacked hash, custom state)', () => {
  it('decodes the envelopes a Python worker held in `unacked` and re-encodes them', () => {
    const sample = readSample<{ keys: { key: string; raw: unknown }[] }>(
      'redis/inflight',
      'unacked',
    );
    const hash = sample.keys.find((k) => k.key === 'unacked')!.raw as Record<string, string>;
    const entries = Object.values(hash);
    expect(entries.length).toBeGreaterThan(0);
    for (const value of entries) {
      const [envelope] = JSON.parse(value) as [unknown, string, string];
      const message = fromRedisEnvelope(JSON.stringify(envelope));
      const decoded = decodeTaskMessage(message);
      expect(decoded.headers.task).toBe('interop.sleep');
      expect(reencode(decoded, message).headers).toEqual(message.headers);
    }
  });
});
