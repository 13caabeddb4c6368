/**
 * Certificates for the TLS tests, made with `openssl` in a private directory: a CA, a
 * server certificate for 127.0.0.1 and localhost signed by it, a client certificate signed
 * by it, and a second CA that signed nothing (the "wrong CA").
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the PEM files. */
export interface TestCertificates {
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function makeCa(dir: string, name: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    `/CN=celeriac test ${name}`,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.pem`),
  ]);
}

async function makeLeaf(dir: string, name: string, ext: string): Promise<void> {
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, `${ext}\n`);
  await run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.csr`),
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-days',
    '1',
    '-in',
    join(dir, `${name}.csr`),
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-CAcreateserial',
    '-extfile',
    extFile,
    '-out',
    join(dir, `${name}.pem`),
  ]);
}

/** Make every certificate in `dir`. */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  await makeLeaf(dir, 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost');
  await makeLeaf(dir, 'client', 'extendedKeyUsage=clientAuth');
  return {
    ca: join(dir, 'ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
  };
}
