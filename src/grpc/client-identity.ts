// Which names a client certificate carries (subject CN, DNS and URI SANs), and whether one of
// them is in tls.allowedClientNames: the server's answer to "is this caller KEDA?".
import type { PeerCertificate } from 'node:tls';

/** Names are compared exactly; a certificate with more than this many SANs is read this far. */
const MAX_NAMES_READ = 64;

/**
 * The subject CN(s) and the DNS and URI subject alternative names. Node writes the SANs as
 * `DNS:a, URI:spiffe://b`, quoting a value that holds a comma or quote as a JSON string
 * (Node lib/internal/tls/... `subjectaltname`, since Node 17.3 / CVE-2021-44532).
 */
export function clientNamesOf(certificate: PeerCertificate): string[] {
  const names: string[] = [];
  const cn = (certificate.subject as { CN?: string | string[] } | undefined)?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...cn.filter(c => typeof c === 'string'));
  const sans = certificate.subjectaltname ?? '';
  const entry =
    /(?:^|, )(DNS|URI|IP Address|email|othername|DirName|Registered ID):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (
    let m = entry.exec(sans);
    m !== null && names.length < MAX_NAMES_READ;
    m = entry.exec(sans)
  ) {
    if (m[1] !== 'DNS' && m[1] !== 'URI') continue;
    const raw = m[2]!;
    try {
      names.push(raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);
    } catch {
      // A quoted value Node would never write: not a name anyone can have allowed.
    }
  }
  return names;
}

export type ClientVerdict =
  | { allowed: true }
  | { allowed: false; names: string[]; reason: 'no client certificate' | 'name not allowed' };

/** Matches the presented certificate against the allowlist (exact, case-sensitive). */
export class ClientIdentityCheck {
  private readonly allowed: ReadonlySet<string>;

  constructor(allowedNames: readonly string[]) {
    this.allowed = new Set(allowedNames);
  }

  judge(certificate: PeerCertificate | undefined): ClientVerdict {
    if (certificate === undefined) {
      return { allowed: false, names: [], reason: 'no client certificate' };
    }
    const names = clientNamesOf(certificate);
    if (names.some(n => this.allowed.has(n))) return { allowed: true };
    return { allowed: false, names, reason: 'name not allowed' };
  }
}
