import { describe, expect, it } from 'vitest';
import { KombuKeys, parseRedisUrl, pythonJsonStringify, topicPattern } from '@celeriac/redis';

describe('parseRedisUrl', () => {
  it('reads host, port, db, credentials and TLS', () => {
    expect(parseRedisUrl('redis://:s%40cret@example.com:6380/3')).toEqual({
      host: 'example.com',
      port: 6380,
      db: 3,
      password: 's@cret',
      tls: false,
    });
    expect(parseRedisUrl('rediss://user:pw@h')).toMatchObject({
      username: 'user',
      password: 'pw',
      tls: true,
      port: 6379,
      db: 0,
    });
    expect(() => parseRedisUrl('amqp://h')).toThrow(/scheme/);
    expect(() => parseRedisUrl('redis://h/x')).toThrow(/database/);
  });

  it("reads kombu's sentinel:// lists and redis+cluster:// seed lists", () => {
    expect(
      parseRedisUrl('sentinel://:pw@h1:26379;sentinel://h2:26380/2?master_name=orders'),
    ).toEqual({
      host: 'h1',
      port: 26379,
      db: 2,
      password: 'pw',
      tls: false,
      mode: 'sentinel',
      nodes: [
        { host: 'h1', port: 26379 },
        { host: 'h2', port: 26380 },
      ],
      masterName: 'orders',
    });
    expect(parseRedisUrl('sentinel://h1').masterName).toBe('mymaster');
    expect(parseRedisUrl('redis+cluster://h1:7000;h2:7001,redis+cluster://h3')).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: 'h1', port: 7000 },
        { host: 'h2', port: 7001 },
        { host: 'h3', port: 6379 },
      ],
    });
    expect(() => parseRedisUrl('redis+cluster://h1:7000/3')).toThrow(/only database 0/);
    expect(() => parseRedisUrl('rediss://h?ssl_cert_reqs=sometimes')).toThrow(/ssl_cert_reqs/);
    expect(parseRedisUrl('rediss://h?ssl_cert_reqs=none').tlsOptions).toMatchObject({
      rejectUnauthorized: false,
    });
  });
});

describe('pythonJsonStringify', () => {
  it('formats like json.dumps', () => {
    expect(pythonJsonStringify({ a: [1, 1.5, null, true], é: 'ü😀\n' })).toBe(
      '{"a": [1, 1.5, null, true], "\\u00e9": "\\u00fc\\ud83d\\ude00\\n"}',
    );
    expect(pythonJsonStringify([1e-7, 1e16, 1.5e300, 0.0001, 123456789012345680000])).toBe(
      '[1e-07, 1e+16, 1.5e+300, 0.0001, 1.2345678901234568e+20]',
    );
  });
});

describe('KombuKeys', () => {
  const keys = new KombuKeys({
    globalKeyprefix: 'p:',
    sep: '\x06\x16',
    prioritySteps: [0, 3, 6, 9],
    unackedKey: 'unacked',
    unackedIndexKey: 'unacked_index',
    unackedMutexKey: 'unacked_mutex',
    fanoutPrefix: true,
    fanoutPatterns: true,
    db: 2,
  });
  it('names priority lists, bindings and fanout channels as kombu', () => {
    expect([0, 2, 3, 5, 6, 8, 9, 42, -1].map((p) => keys.queueKey('q', p))).toEqual([
      'p:q',
      'p:q',
      'p:q\x06\x163',
      'p:q\x06\x163',
      'p:q\x06\x166',
      'p:q\x06\x166',
      'p:q\x06\x169',
      'p:q\x06\x169',
      'p:q',
    ]);
    expect(keys.bindingKey('celery')).toBe('p:_kombu.binding.celery');
    expect(keys.fanoutChannel('celeryev', 'worker.heartbeat')).toBe(
      'p:/2.celeryev/worker.heartbeat',
    );
    expect(keys.fanoutChannel('celery.pidbox', '')).toBe('p:/2.celery.pidbox');
    expect(keys.fanoutPatterns('celeryev', 'worker.#')).toEqual(['p:/2.celeryev/worker.*']);
    expect(keys.unacked).toBe('p:unacked');
  });
  it("stores kombu's topic regex", () => {
    expect(topicPattern('order.*')).toBe('^order\\..*?[^\\.]$');
    expect(topicPattern('#.eu')).toBe('^.*?\\.eu$');
    expect(topicPattern('a-b.#')).toBe('^a\\-b\\..*?$');
  });
});
