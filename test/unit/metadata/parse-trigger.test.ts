// Every metadata rule of the drop-in superset of KEDA's prometheus trigger as a named table case.
import { isScalerError } from '../../../src/errors';
import type { TriggerLimits } from '../../../src/metadata/parse-trigger';
import { DEFAULT_TRIGGER_LIMITS, parseTrigger } from '../../../src/metadata/parse-trigger';

const base = { query: 'sum(up)', threshold: '10' };

function problemsOf(metadata: Record<string, string>): string {
  try {
    parseTrigger(metadata);
  } catch (e) {
    if (isScalerError(e) && e.kind === 'invalid_metadata') return e.message;
    throw e;
  }
  throw new Error('expected invalid_metadata');
}

describe('valid metadata', () => {
  test('defaults match the built-in trigger', () => {
    expect(parseTrigger(base)).toEqual({
      query: 'sum(up)',
      threshold: 10,
      activationThreshold: 0,
      source: { kind: 'implicit' },
      namespace: undefined,
      customHeaders: {},
      queryParameters: {},
      ignoreNullValues: true,
      timeoutMs: undefined,
      queryTimeoutMs: undefined,
      metricName: undefined,
      multipleSeries: 'error',
      httpMethod: 'GET',
      cacheTtlMs: undefined,
      maxStalenessMs: undefined,
      fallbackValue: undefined,
      activationQuery: undefined,
      activationIntervalMs: undefined,
      activationAlert: undefined,
      activationAlertLabels: {},
    });
  });

  test.each([
    [
      'values are trimmed',
      { query: '  sum(up) ', threshold: ' 10 ' },
      { query: 'sum(up)', threshold: 10 },
    ],
    [
      'empty values count as absent',
      { ...base, activationThreshold: '  ', namespace: '' },
      { activationThreshold: 0, namespace: undefined },
    ],
    [
      'activationThreshold may be negative',
      { ...base, activationThreshold: '-2.5' },
      { activationThreshold: -2.5 },
    ],
    ['timeout in milliseconds', { ...base, timeout: '1500' }, { timeoutMs: 1500 }],
    ['timeout as a Go duration', { ...base, timeout: '1s500ms' }, { timeoutMs: 1500 }],
    ['timeout 0 means the default', { ...base, timeout: '0' }, { timeoutMs: undefined }],
    [
      "queryParameters timeout= in Prometheus's seconds, kept apart from the others",
      { ...base, queryParameters: 'timeout=2.5,dedup=false' },
      { queryTimeoutMs: 2500, queryParameters: { dedup: 'false' } },
    ],
    [
      'queryParameters timeout= as a duration',
      { ...base, queryParameters: 'timeout=500ms' },
      { queryTimeoutMs: 500, queryParameters: {} },
    ],
    [
      'ignoreNullValues takes Go booleans',
      { ...base, ignoreNullValues: 'F' },
      { ignoreNullValues: false },
    ],
    [
      'customHeaders map',
      { ...base, customHeaders: 'X-Scope-OrgID=team-a, X-B=c' },
      { customHeaders: { 'X-Scope-OrgID': 'team-a', 'X-B': 'c' } },
    ],
    [
      'queryParameters map',
      { ...base, queryParameters: 'dedup=true' },
      { queryParameters: { dedup: 'true' } },
    ],
    ['namespace', { ...base, namespace: 'team a&b' }, { namespace: 'team a&b' }],
    ['httpMethod is case-insensitive', { ...base, httpMethod: 'post' }, { httpMethod: 'POST' }],
    ['multipleSeries', { ...base, multipleSeries: 'avg' }, { multipleSeries: 'avg' }],
    [
      'metricName is lower-cased',
      { ...base, metricName: 'Queue.Depth_1' },
      { metricName: 'queue.depth_1' },
    ],
    [
      'source by name',
      { ...base, source: 'prod' },
      { source: { kind: 'named', name: 'prod', serverAddress: undefined } },
    ],
    [
      'serverAddress',
      { ...base, serverAddress: 'http://prom:9090' },
      { source: { kind: 'address', serverAddress: 'http://prom:9090' } },
    ],
    [
      "KEDA's own keys are accepted and ignored",
      {
        ...base,
        scalerAddress: 's:6000',
        enableTLS: 'true',
        unsafeSsl: 'true',
        caCert: 'x',
        tlsClientCert: 'y',
        tlsClientKey: 'z',
      },
      { threshold: 10 },
    ],
    [
      'smallest threshold KEDA can represent',
      { ...base, threshold: '0.001' },
      { threshold: 0.001 },
    ],
    [
      'a threshold KEDA rounds up to 1m is sent as 0.001',
      { ...base, threshold: '0.0005' },
      { threshold: 0.001 },
    ],
    [
      'a timeout above maxTimeout is capped, with a notice',
      { ...base, timeout: '45s' },
      {
        timeoutMs: 30_000,
        notices: ["timeout: 45s is above the server's maxTimeout; capped to 30s"],
      },
    ],
  ])('%s', (_name, metadata, expected) => {
    expect(parseTrigger(metadata as Record<string, string>)).toMatchObject(expected);
  });
});

describe('invalid metadata names the key, the value and the rule', () => {
  test.each([
    ['query is required', { threshold: '1' }, 'query: is required'],
    ['threshold is required', { query: 'up' }, 'threshold: is required'],
    [
      'threshold must be a number',
      { ...base, threshold: 'abc' },
      'threshold: must be a number > 0, got "abc"',
    ],
    [
      'threshold must be > 0',
      { ...base, threshold: '0' },
      'threshold: must be a number > 0, got "0"',
    ],
    [
      'threshold negative',
      { ...base, threshold: '-1' },
      'threshold: must be a number > 0, got "-1"',
    ],
    [
      'threshold below milli precision',
      { ...base, threshold: '0.0004' },
      'threshold: must be at least 0.0005: KEDA writes the target with milli precision (%.3f), a smaller value becomes 0',
    ],
    [
      'threshold in JSON grammar only',
      { ...base, threshold: '.5' },
      'threshold: must be a number > 0, got ".5"',
    ],
    [
      'activationThreshold NaN',
      { ...base, activationThreshold: 'NaN' },
      'activationThreshold: must be a number',
    ],
    ['bad boolean', { ...base, ignoreNullValues: 'yes' }, 'ignoreNullValues: must be a boolean'],
    ['bad unsafeSsl', { ...base, unsafeSsl: 'nope' }, 'unsafeSsl: must be a boolean'],
    ['bad map', { ...base, queryParameters: 'a=1,b' }, 'queryParameters: must be key=value pairs'],
    [
      'queryParameters timeout= that is no duration',
      { ...base, queryParameters: 'timeout=soon' },
      "queryParameters: timeout must be a number of seconds or a duration such as '500ms'",
    ],
    [
      'queryParameters timeout= of 0',
      { ...base, queryParameters: 'timeout=0' },
      'queryParameters: timeout must be',
    ],
    [
      'reserved query parameter',
      { ...base, queryParameters: 'time=5' },
      'queryParameters: parameter "time" is set by the scaler',
    ],
    [
      'bad header name',
      { ...base, customHeaders: 'X Bad=1' },
      'customHeaders: header name "X Bad" is not a valid HTTP token',
    ],
    [
      'managed header',
      { ...base, customHeaders: 'Host=evil' },
      'customHeaders: header "Host" is set by the HTTP client',
    ],
    [
      'header value with CR LF',
      { ...base, customHeaders: 'X-A=ok\r\nX-Injected: 1' },
      'customHeaders: header "X-A" value must be visible ASCII, spaces and tabs (RFC 9110 field-value)',
    ],
    [
      'header value with a control character',
      { ...base, customHeaders: 'X-A=a\u0001b' },
      'customHeaders: header "X-A" value must be visible ASCII',
    ],
    [
      'header value outside ASCII',
      { ...base, customHeaders: 'X-A=caf\u00e9' },
      'customHeaders: header "X-A" value must be visible ASCII',
    ],
    [
      'custom headers over 8 KiB',
      { ...base, customHeaders: `X-A=${'a'.repeat(9000)}` },
      'customHeaders: must be at most 8192 bytes in all',
    ],
    [
      // Under the metadata bound in characters, over the query bound in UTF-8 bytes.
      'a query over the absolute limit',
      { ...base, query: `sum(${'é'.repeat(40_000)})` },
      'query: must be at most 65536 bytes',
    ],
    [
      'an activationQuery over the absolute limit',
      { ...base, activationQuery: 'é'.repeat(40_000) },
      'activationQuery: must be at most 65536 bytes',
    ],
    ['bad timeout', { ...base, timeout: '-1s' }, 'timeout: must not be negative, got "-1s"'],
    // KEDA's bare-number rule is for its own `timeout` only; our duration keys need a unit.
    [
      'cacheTTL without a unit',
      { ...base, cacheTTL: '15' },
      'cacheTTL: needs a unit: write "15s" for seconds or "15ms" for milliseconds, got "15"',
    ],
    [
      'maxStaleness without a unit',
      { ...base, maxStaleness: '60' },
      'maxStaleness: needs a unit: write "60s" for seconds or "60ms" for milliseconds, got "60"',
    ],
    [
      'bad multipleSeries',
      { ...base, multipleSeries: 'first' },
      'multipleSeries: must be one of error, sum, max, min, avg, got "first"',
    ],
    [
      'bad httpMethod',
      { ...base, httpMethod: 'PUT' },
      'httpMethod: must be one of GET, POST, got "PUT"',
    ],
    [
      'serverAddress must be http(s)',
      { ...base, serverAddress: 'file:///etc/passwd' },
      'serverAddress: must be an http:// or https:// URL',
    ],
    [
      'serverAddress without credentials',
      { ...base, serverAddress: 'http://u:p@prom:9090' },
      'got "http://REDACTED@prom:9090/"',
    ],
    [
      'unknown key with a suggestion',
      { ...base, thresold: '5' },
      'thresold: unknown key (did you mean "threshold"?)',
    ],
    [
      'wrong case with a suggestion',
      { ...base, ServerAddress: 'x' },
      'ServerAddress: unknown key (did you mean "serverAddress"?)',
    ],
    ['unknown key without a near name', { ...base, zzzzzz: '1' }, 'zzzzzz: unknown key'],
    [
      'metricType in metadata',
      { ...base, metricType: 'Value' },
      'metricType: is a field of the trigger itself',
    ],
    [
      'a misspelled legacy key',
      { ...base, cortexOrgId: 't' },
      'cortexOrgId: unknown key (did you mean "cortexOrgID"?)',
    ],
    [
      'auth keys belong on a source',
      { ...base, authModes: 'bearer' },
      'authModes: credentials are not read from trigger metadata',
    ],
  ])('%s', (_name, metadata, expected) => {
    expect(problemsOf(metadata as Record<string, string>)).toContain(expected);
  });

  test.each([
    [
      'awsRegion',
      { awsRegion: 'eu-west-1', identityOwner: 'operator' },
      'auth: {sigv4: {region: <awsRegion>}}',
    ],
    ['authModes oauth', { authModes: 'oauth' }, 'auth: {oauth2: {tokenUrl: <url>, clientId: <id>'],
    [
      'authModes basic,tls',
      { authModes: 'basic,tls' },
      'basicAuth: {username: <user>, passwordFile',
    ],
    ['authModes bearer', { authModes: 'bearer' }, 'bearerTokenFile: '],
    ['authModes custom', { authModes: 'custom' }, 'headers: {<Header-Name>: <value>}'],
    ['azure cloud', { cloud: 'AZUREPUBLICCLOUD' }, 'auth: {azure: {}}'],
    ['gcp credentials', { credentialsFromEnv: 'sa-json' }, 'auth: {google: {}}'],
  ])('%s is refused with the source stanza to write instead', (_name, extra, stanza) => {
    const message = problemsOf({ ...base, ...extra });
    expect(message).toContain(stanza);
    expect(message).toContain('select it with "source"');
  });

  test('a credential value is never echoed in the refusal', () => {
    const secret = 's3cr3t-value-0042';
    const message = problemsOf({ ...base, clientSecret: secret, awsAccessKeyID: secret });
    expect(message).toContain('auth: {oauth2:');
    expect(message).not.toContain(secret);
  });

  test('all problems are reported together', () => {
    const message = problemsOf({ threshold: 'x', timeout: 'y', bogus: '1' });
    expect(message).toMatch(/^invalid trigger metadata: /);
    for (const key of ['query:', 'threshold:', 'timeout:', 'bogus:'])
      expect(message).toContain(key);
  });

  test.each([
    ['bearerToken', { bearerToken: 's3cr3t-token' }],
    ['passwordFromEnv (resolved by KEDA)', { passwordFromEnv: 's3cr3t-token' }],
    ['customHeaders', { customHeaders: 'Authorization=Bearer s3cr3t-token,bad' }],
  ])('secret-bearing %s never appears in the message', (_name, extra) => {
    expect(problemsOf({ ...base, ...extra })).not.toContain('s3cr3t-token');
  });
});

describe('keys the built-in trigger accepts and KEDA ignores', () => {
  const warn: TriggerLimits = { ...DEFAULT_TRIGGER_LIMITS, unknownKeys: 'warn' };

  test.each([
    ['cortexOrgID', { cortexOrgID: 'tenant-a' }, 'cortexOrgID: KEDA ignores it since v2.15'],
    ['tlsCertFile', { tlsCertFile: '/certs/ca.pem' }, "tlsCertFile: KEDA's external trigger"],
    [
      'a metricName with a ":" (a recording rule name)',
      { metricName: 'job:http_requests:rate5m' },
      'metricName: KEDA ignores metricName since v2.12',
    ],
  ])('%s is accepted with a warning saying what KEDA does', (_name, extra, message) => {
    const spec = parseTrigger({ ...base, ...extra });
    expect(spec.warnings).toEqual([expect.objectContaining({ kind: 'legacy' })]);
    expect(spec.warnings?.[0]?.message).toContain(message);
    expect(spec.metricName).toBeUndefined();
  });

  test('a valid metricName still names the metric, without a warning', () => {
    const spec = parseTrigger({ ...base, metricName: 'queue_depth' });
    expect(spec.metricName).toBe('queue_depth');
    expect(spec.warnings).toBeUndefined();
  });

  test('an unknown key is refused by default and a warning under unknownMetadataKeys: warn', () => {
    expect(problemsOf({ ...base, zzzzzz: '1' })).toContain('zzzzzz: unknown key');
    const spec = parseTrigger({ ...base, zzzzzz: '1', metricType: 'Value' }, warn);
    expect(spec.warnings?.map(w => [w.kind, w.key])).toEqual([
      ['unknown', 'zzzzzz'],
      ['unknown', 'metricType'],
    ]);
    expect(spec.warnings?.[0]?.message).toBe(
      'zzzzzz: unknown key; ignored (unknownMetadataKeys: warn)',
    );
  });

  test('a misspelling stays an error under unknownMetadataKeys: warn', () => {
    expect(() => parseTrigger({ ...base, thresold: '5' }, warn)).toThrow(
      'thresold: unknown key (did you mean "threshold"?)',
    );
  });

  test('credential keys stay refused under unknownMetadataKeys: warn', () => {
    expect(() => parseTrigger({ ...base, authModes: 'bearer' }, warn)).toThrow(
      'authModes: credentials are not read from trigger metadata',
    );
  });
});
