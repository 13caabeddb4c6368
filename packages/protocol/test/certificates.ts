/**
 * Keys and X.509 certificates made with the `openssl` command line, for the `auth`
 * serializer's tests (here and in test/interop/security): a CA, certificates it issues
 * with chosen subjects, serials, key sizes and validity dates (past ones included, which
 * `openssl req -days` cannot make), and self-signed ones. Everything lives in a temporary
 * folder that `remove()` deletes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A key pair and its certificate, as PEM text and as files. */
export interface Issued {
  keyPem: string;
  certPem: string;
  keyPath: string;
  certPath: string;
}

/** What to put in a certificate. */
export interface IssueOptions {
  /** `/C=US/O=…/CN=…` (UTF-8 allowed). */
  subject?: string;
  /** Serial number, decimal. */
  serial?: bigint;
  /** RSA key size; default 2048. */
  bits?: number;
  /** `YYYYMMDDHHMMSSZ`; default now. */
  startDate?: string;
  /** `YYYYMMDDHHMMSSZ`; default in two days. */
  endDate?: string;
}

/** A throw-away certificate authority in a temporary folder. */
export interface TestPki {
  readonly dir: string;
  readonly ca: Issued;
  /** A certificate issued by the CA. */
  issue(name: string, options?: IssueOptions): Issued;
  /** A self-signed certificate (its own issuer). */
  selfSigned(name: string, options?: IssueOptions): Issued;
  /** Delete the folder. */
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const stamp = (date: Date) => `${date.toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-pki-'));
  const files = (name: string) => ({
    keyPath: join(dir, `${name}.key`),
    certPath: join(dir, `${name}.pem`),
  });
  const read = (name: string): Issued => {
    const { keyPath, certPath } = files(name);
    return {
      keyPath,
      certPath,
      keyPem: readFileSync(keyPath, 'utf8'),
      certPem: readFileSync(certPath, 'utf8'),
    };
  };
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = default',
      '[ default ]',
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${dir}`,
      `serial = ${join(dir, 'serial')}`,
      'default_md = sha256',
      'policy = anything',
      'unique_subject = no',
      'string_mask = utf8only',
      'utf8 = yes',
      '[ anything ]',
      'countryName = optional',
      'organizationName = optional',
      'organizationalUnitName = optional',
      'commonName = optional',
      '',
    ].join('\n'),
  );

  function selfSigned(name: string, options: IssueOptions = {}): Issued {
    const { keyPath, certPath } = files(name);
    openssl(
      [
        'req',
        '-x509',
        '-utf8',
        '-newkey',
        `rsa:${options.bits ?? 2048}`,
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '2',
        '-subj',
        options.subject ?? `/O=celeriac tests/CN=${name}`,
        '-set_serial',
        String(options.serial ?? 1000n),
      ],
      dir,
    );
    return read(name);
  }

  const ca = selfSigned('ca', { subject: '/C=US/O=celeriac tests/CN=test CA', serial: 1n });

  function issue(name: string, options: IssueOptions = {}): Issued {
    const { keyPath, certPath } = files(name);
    const csr = join(dir, `${name}.csr`);
    openssl(
      [
        'req',
        '-new',
        '-utf8',
        '-newkey',
        `rsa:${options.bits ?? 2048}`,
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        csr,
        '-subj',
        options.subject ?? `/O=celeriac tests/CN=${name}`,
      ],
      dir,
    );
    let serial = (options.serial ?? BigInt(4096 + Math.floor(Math.random() * 1e6))).toString(16);
    if (serial.length % 2) serial = `0${serial}`;
    writeFileSync(join(dir, 'serial'), `${serial}\n`);
    const now = Date.now();
    openssl(
      [
        'ca',
        '-batch',
        '-utf8',
        '-notext',
        '-config',
        join(dir, 'ca.cnf'),
        '-keyfile',
        ca.keyPath,
        '-cert',
        ca.certPath,
        '-in',
        csr,
        '-out',
        certPath,
        '-startdate',
        options.startDate ?? stamp(new Date(now - 60_000)),
        '-enddate',
        options.endDate ?? stamp(new Date(now + 2 * 86_400_000)),
      ],
      dir,
    );
    return read(name);
  }

  return {
    dir,
    ca,
    issue,
    selfSigned,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
