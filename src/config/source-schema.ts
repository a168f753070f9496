// The schema of one `sources:` entry: a Prometheus-compatible server, its name, URL, static
// headers, credentials from files, TLS, timeout, concurrency, auth, proxy and namespaces.
import { Type } from '@sinclair/typebox';
import { MissingRule, always, between, leaf, named, reader, section } from './schema-reader';
import {
  type Doc,
  SOURCE_URL_CREDENTIALS_RULE,
  SOURCE_URL_QUERY_RULE,
  anyHttpUrl,
  checkHttpUrl,
  count,
  duration,
  flag,
  namespaces,
  stringList,
  stringMap,
  text,
} from './schema-fields';
import { SourceAuth, sourceAuthRule } from './source-auth-schema';
import {
  CREDENTIAL_NAME_PATTERN,
  CREDENTIAL_HEADER_RULE,
  noQueryOrFragment,
  noUserinfo,
  urlCredentialsRule,
} from './credential-rules';
import { FIELD_VALUE_RULE, HEADER_NAME, isFieldValue } from '../util/http-fields';

/** Source names appear in metrics, logs and metadata: keep them simple. */
const SOURCE_NAME = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

const SourceTls = always(
  between(
    section(
      {
        caFile: text({
          description: 'PEM CA bundle that signs the source certificate; re-read when it changes.',
        }),
        certFile: text({
          description: 'PEM client certificate for mTLS to the source; needs keyFile.',
        }),
        keyFile: text({ description: 'PEM key of certFile.' }),
        insecureSkipVerify: flag({
          default: false,
          description:
            'Skip certificate verification. Only the operator can set this, never metadata.',
        }),
      },
      { description: 'TLS towards this source (https URLs).' },
    ),
    (tls, path, problems) => {
      if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
        problems.push(`${path}: certFile and keyFile must be set together`);
      }
    },
  ),
);

const BasicAuth = Object.assign(
  section(
    {
      username: always(text({ description: 'User name sent with HTTP basic auth.' })),
      passwordFile: always(text({ description: 'File holding the password; re-read on change.' })),
    },
    {
      required: ['username', 'passwordFile'],
      description: 'HTTP basic auth towards the source; bearerTokenFile wins when both are set.',
    },
  ),
  { [MissingRule]: 'needs both username and passwordFile' },
);

const SourceProxy = {
  // undici's ProxyAgent reads the proxy's credentials from HTTPS_PROXY's user information.
  proxyUrl: anyHttpUrl(
    {
      description:
        'HTTP proxy for this source (CONNECT for https). Unset: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.',
    },
    urlCredentialsRule(
      'leave proxyUrl unset and set HTTPS_PROXY / HTTP_PROXY with them from a Secret (env valueFrom.secretKeyRef)',
    ),
  ),
  noProxy: stringList({
    description:
      'Hosts reached without proxyUrl: `host`, `.domain` or `domain` (also its subdomains), `host:port`, `*`.',
  }),
};

/**
 * Static source headers: HTTP tokens as names, visible ASCII values (RFC 9110 field-value), no
 * credential header (its value would sit in the ConfigMap or the chart values).
 */
const sourceHeaders = (doc: Doc) =>
  stringMap(
    doc,
    (name, value) => {
      if (!HEADER_NAME.test(name)) return 'is not an HTTP token';
      if (!isFieldValue(value)) return FIELD_VALUE_RULE;
      return undefined;
    },
    { pattern: CREDENTIAL_NAME_PATTERN, rule: CREDENTIAL_HEADER_RULE },
  );

export const Source = between(
  section(
    {
      name: always(
        leaf(
          Type.String({
            pattern: SOURCE_NAME.source,
            description: 'What triggers write in `source:` (lower-case letters, digits, - and _).',
          }),
          reader<string>(v =>
            typeof v === 'string' && SOURCE_NAME.test(v.trim())
              ? { value: v.trim() }
              : { rule: 'must be lower-case letters, digits, "-" or "_"' },
          ),
        ),
      ),
      url: always(
        leaf(
          Type.String({
            pattern: '^https?://',
            description:
              'Base URL; `/api/v1/query` is appended. May carry a path prefix (e.g. /select/0/prometheus). No credentials (user:password@): use basicAuth or bearerTokenFile.',
            // Both refusals of the reader (checkHttpUrl), so Helm refuses them before a pod would.
            allOf: [
              noUserinfo(SOURCE_URL_CREDENTIALS_RULE),
              noQueryOrFragment(SOURCE_URL_QUERY_RULE),
            ],
          }),
          reader(checkHttpUrl),
        ),
      ),
      headers: sourceHeaders({
        description:
          'Static headers (e.g. X-Scope-OrgID); they win over trigger customHeaders. Never credentials: Authorization, Proxy-Authorization, Cookie and names with token, secret, password, credential, api-key, or the word key or auth are refused (use bearerTokenFile, basicAuth, auth or headerFiles).',
      }),
      // KEDA's `authModes: custom` (customAuthHeader/customAuthValue) and gateways that take an
      // API key in a header of their own: the value comes from a mounted Secret, never the config.
      headerFiles: stringMap(
        {
          description:
            'Headers whose value is read from a file (a mounted Secret), such as an API key in X-Api-Key; re-read when it changes and redacted from what the source sends back. Also Authorization with a scheme of its own (e.g. "Token …") when no bearerTokenFile, basicAuth or auth is set.',
        },
        (name, file) => {
          if (!HEADER_NAME.test(name)) return 'is not an HTTP token';
          if (file.trim() === '') return 'must be a file path';
          return undefined;
        },
      ),
      bearerTokenFile: text({
        description: 'File holding a bearer token; re-read when it changes. Wins over basicAuth.',
      }),
      basicAuth: BasicAuth,
      tls: SourceTls,
      /** KEDA_HTTP_DEFAULT_TIMEOUT, the built-in prometheus trigger's default (3000 ms). */
      timeout: named(
        'timeoutMs',
        duration({
          default: '3s',
          description:
            "Every query's upstream timeout; a trigger's timeout bounds only its own wait, and queryParameters timeout= may only lower it.",
        }),
      ),
      /** Well under Prometheus's --query.max-concurrency default of 20. */
      maxConcurrentQueries: count({
        default: 8,
        description:
          'Queries in flight to this source at once (also its keep-alive connections), shared fairly between namespaces.',
      }),
      auth: SourceAuth,
      ...SourceProxy,
      namespaces: namespaces(
        'Namespaces whose ScaledObjects may use this source (names and globs such as `team-*`); unset: all namespaces.',
      ),
    },
    {
      required: ['name', 'url'],
      description:
        'A Prometheus-compatible server (Prometheus, Thanos, Mimir, Cortex, VictoriaMetrics).',
    },
  ),
  sourceAuthRule,
);
