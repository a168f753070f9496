// Secrets written into the configuration itself, which deploy/ keeps in a ConfigMap and the Helm
// chart in its values: credentials in a URL (user:password@) and header names that carry
// credentials. Each rule is a reader check (a message that names the key, never the value) and a
// JSON Schema fragment, so config.schema.json and the chart's values.schema.json refuse the same.

/** `word` as a pattern that ignores case without flags (JSON Schema patterns take none). */
function caseless(word: string): string {
  return [...word]
    .map(c => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toUpperCase()}${c.toLowerCase()}]` : c))
    .join('');
}

/**
 * Header names that carry a credential wherever they stand in the name: Authorization and
 * Proxy-Authorization (RFC 9110 11.6.2, 11.7.2), Cookie (RFC 6265), and the API-key and token
 * headers of gateways in front of Prometheus (X-Api-Key, X-Auth-Token, Private-Token,
 * X-Amz-Security-Token). Tenant and routing headers (X-Scope-OrgID, X-Grafana-Org-Id) stay allowed.
 */
const CREDENTIAL_PARTS = [
  'authorization',
  'cookie',
  'token',
  'secret',
  'passw',
  'credential',
  'apikey',
  'api-key',
  'api_key',
];
/** Only as a whole word between `-` or `_`: X-Auth, X-Auth-Key, Ocp-Apim-Subscription-Key. */
const CREDENTIAL_WORDS = ['key', 'auth'];

/**
 * Names refused in a source's static headers (and oauth2 endpointParams: client_secret, password),
 * as a JSON Schema (and JS) pattern.
 */
export const CREDENTIAL_NAME_PATTERN =
  `(?:${CREDENTIAL_PARTS.map(caseless).join('|')})` +
  `|(?:^|[-_])(?:${CREDENTIAL_WORDS.map(caseless).join('|')})(?:[-_]|$)`;

/** Why a credential header is refused in a source's `headers`, and what to write instead. */
export const CREDENTIAL_HEADER_RULE =
  'is a credential header, and headers are written into the configuration (a ConfigMap, chart values); ' +
  'send credentials with bearerTokenFile, basicAuth.passwordFile, auth or headerFiles, which read them from files';

/** `scheme://…@`: a URL whose authority carries user information (WHATWG: `\` ends it too). */
const URL_USERINFO_PATTERN = '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#\\\\]*@';

export function hasUserinfo(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}

/** The rule a URL with user information breaks; `instead` says where the credential goes. */
export function urlCredentialsRule(instead: string): string {
  return `must not carry credentials (user:password@), which would be written into the configuration; ${instead}`;
}

/**
 * JSON Schema keywords refusing a value with a message: JSON Schema has no error text of its own,
 * so the refused value must equal a sentence it never equals. Validators print that sentence
 * (Helm: `value must be '…'`), with the path and without the value, which may be a secret.
 */
export function refusedWith(rule: string): { const: string } {
  return { const: `(refused: ${rule})` };
}

/**
 * Keywords for a URL string node: refused, with `rule`, when it has a query string or a fragment
 * (`?` or `#` anywhere; a query may hold a token, so the value is never printed).
 */
export function noQueryOrFragment(rule: string): {
  if: { pattern: string };
  then: { const: string };
} {
  return { if: { pattern: '[?#]' }, then: refusedWith(rule) };
}

/** Keywords for a URL string node: refused, with `rule`, when it carries user information. */
export function noUserinfo(rule: string): { if: { pattern: string }; then: { const: string } } {
  return { if: { pattern: URL_USERINFO_PATTERN }, then: refusedWith(rule) };
}
