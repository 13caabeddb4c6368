import { AmqpUrlError, backoffDelay, parseAmqpUrl, redactUrl } from '@celeriac/amqp';
import { describe, expect, it } from 'vitest';

describe('parseAmqpUrl (kombu rules)', () => {
  it.each([
    ['amqp://h', '/'],
    ['amqp://h/', '/'],
    ['amqp://h//', '/'],
    ['amqp://h/%2F', '/'],
    ['amqp://h/prod', 'prod'],
    ['amqp://h/a%2Fb', 'a/b'],
    ['amqp://h//celery', '/celery'],
  ])('%s has vhost %s', (url, vhost) => {
    expect(parseAmqpUrl(url).vhost).toBe(vhost);
  });

  it('reads credentials, port, TLS scheme and query parameters', () => {
    expect(
      parseAmqpUrl('amqps://us%40r:p%3Ass@rabbit.example:5673/v?heartbeat=30&frame_max=131072'),
    ).toEqual({
      protocol: 'amqps',
      hostname: 'rabbit.example',
      port: 5673,
      username: 'us@r',
      password: 'p:ss',
      vhost: 'v',
      heartbeatSeconds: 30,
      frameMax: 131072,
    });
    expect(parseAmqpUrl('amqp://localhost')).toMatchObject({
      username: 'guest',
      password: 'guest',
      port: 5672,
    });
    expect(parseAmqpUrl('amqps://[::1]')).toMatchObject({ hostname: '::1', port: 5671 });
  });

  it('refuses other schemes and bad parameters with AmqpUrlError, password redacted', () => {
    expect(() => parseAmqpUrl('redis://h')).toThrow(AmqpUrlError);
    expect(() => parseAmqpUrl('amqp://u:secret@h/?heartbeat=soon')).toThrow(/heartbeat=/);
    expect(() => parseAmqpUrl('amqp://u:secret@h/?heartbeat=soon')).not.toThrow(/secret/);
    expect(redactUrl('amqp://u:secret@h:5672//')).toBe('amqp://u:****@h:5672//');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially to the cap, with the jitter fraction random', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, options, () => 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, options, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
  });
});

describe('TLS parameters in the URL (kombu’s ssl_* names)', () => {
  it('reads the files, the verification mode and ?ssl=true', () => {
    const url = parseAmqpUrl(
      'amqps://u:p@h//?ssl_ca_certs=/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k.pem&ssl_cert_reqs=CERT_NONE&ssl_check_hostname=false&ssl_server_hostname=rabbit.internal',
    );
    expect(url.port).toBe(5671);
    expect(url.tls).toEqual({
      caCerts: '/ca.pem',
      certfile: '/c.pem',
      keyfile: '/k.pem',
      certReqs: 'CERT_NONE',
      checkHostname: false,
      serverHostname: 'rabbit.internal',
    });
    expect(parseAmqpUrl('amqp://h//?ssl=true')).toMatchObject({ protocol: 'amqps', port: 5671 });
    expect(parseAmqpUrl('amqp://h//?ssl=0')).toMatchObject({ protocol: 'amqp', port: 5672 });
    expect(parseAmqpUrl('amqps://h//').tls).toBeUndefined();
  });

  it('refuses a certificate without its key, and a bad flag', () => {
    expect(() => parseAmqpUrl('amqps://h//?ssl_certfile=/c.pem')).toThrow(
      /ssl_certfile and ssl_keyfile go together/,
    );
    expect(() => parseAmqpUrl('amqps://h//?ssl_check_hostname=perhaps')).toThrow(
      /ssl_check_hostname="perhaps" is not true or false/,
    );
  });
});
