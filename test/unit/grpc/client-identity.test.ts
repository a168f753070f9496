// The names read from a client certificate (CN, DNS and URI SANs as Node writes them) and the
// exact-match allowlist.
import type { PeerCertificate } from 'node:tls';
import { ClientIdentityCheck, clientNamesOf } from '../../../src/grpc/client-identity';

const cert = (subject: Record<string, unknown>, subjectaltname?: string): PeerCertificate =>
  ({ subject, subjectaltname }) as unknown as PeerCertificate;

test.each([
  ['CN only', cert({ CN: 'keda-operator' }), ['keda-operator']],
  [
    'CN, DNS and URI SANs; IP and email SANs are not names',
    cert(
      { CN: 'x' },
      'DNS:keda.example, IP Address:10.0.0.1, URI:spiffe://cluster.local/ns/keda/sa/keda-operator, email:a@b.c',
    ),
    ['x', 'keda.example', 'spiffe://cluster.local/ns/keda/sa/keda-operator'],
  ],
  ['a quoted SAN (comma inside), as Node writes it', cert({}, 'DNS:"a,b", DNS:c'), ['a,b', 'c']],
  ['several CNs', cert({ CN: ['a', 'b'] }), ['a', 'b']],
])('%s', (_name, certificate, names) => {
  expect(clientNamesOf(certificate)).toEqual(names);
});

test('exact, case-sensitive match; no certificate is refused', () => {
  const check = new ClientIdentityCheck(['keda-operator']);
  expect(check.judge(cert({ CN: 'keda-operator' }))).toEqual({ allowed: true });
  expect(check.judge(cert({ CN: 'KEDA-operator' }))).toMatchObject({ allowed: false });
  expect(check.judge(cert({ CN: 'keda-operator-2' }))).toMatchObject({ allowed: false });
  // A SAN that merely contains an allowed name, as "DNS:a, DNS:keda-operator" would if split badly.
  expect(check.judge(cert({}, 'DNS:"x, DNS:keda-operator"'))).toMatchObject({ allowed: false });
  expect(check.judge(undefined)).toEqual({
    allowed: false,
    names: [],
    reason: 'no client certificate',
  });
});
