// Test certificates made with openssl at test time: a CA, server certificates for 127.0.0.1,
// and a client certificate signed by the CA (as KEDA's TriggerAuthentication would carry).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './prometheus';

const OPENSSL_HINT = 'apt-get install -y openssl (bash scripts/test.sh installs it)';

function openssl(dir: string, args: string[]): void {
  execFileSync(requireBinary('openssl', OPENSSL_HINT), args, { cwd: dir, stdio: 'pipe' });
}

/** Creates ca.crt/ca.key in `dir`. */
export function makeCa(dir: string, name = 'ca'): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
  ]);
}

/**
 * Creates `<name>.crt` / `<name>.key` signed by `ca`, valid for 127.0.0.1 and localhost; a client
 * certificate carries `clientSans` (openssl syntax, `DNS:a,URI:spiffe://b`) when given.
 */
export function makeLeaf(
  dir: string,
  name: string,
  cn: string,
  ca = 'ca',
  client = false,
  clientSans?: string,
): void {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(
    ext,
    client
      ? `${clientSans === undefined ? '' : `subjectAltName=${clientSans}\n`}extendedKeyUsage=clientAuth\n`
      : 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    ext,
    '-out',
    `${name}.crt`,
  ]);
}
