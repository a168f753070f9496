// POST /alertmanager: Alertmanager's webhook (payload version 4). A firing alert wakes the
// matching StreamIsActive watchers at once; a resolved alert changes nothing (deactivation stays
// with polling and cooldown). Bad requests get a clear 4xx and change nothing.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecretFile } from '../sources/secret-file';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import type { FiringAlert, WatcherHub } from './watcher-hub';

export type PayloadCheck =
  { ok: true; firing: FiringAlert[]; resolved: number } | { ok: false; error: string };

/** Validates a webhook body: version "4", and every alert with a status and string labels. */
export function parseAlertmanagerPayload(body: string): PayloadCheck {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { ok: false, error: 'the body is not JSON' };
  }
  if (typeof doc !== 'object' || doc === null)
    return { ok: false, error: 'the body is not a JSON object' };
  const { version, alerts } = doc as { version?: unknown; alerts?: unknown };
  if (version !== '4') {
    return {
      ok: false,
      error: `version: must be "4" (Alertmanager's webhook format), got ${JSON.stringify(version)}`,
    };
  }
  if (!Array.isArray(alerts)) return { ok: false, error: 'alerts: must be a list' };
  const firing: FiringAlert[] = [];
  let resolved = 0;
  for (const [i, raw] of alerts.entries()) {
    const alert = raw as { status?: unknown; labels?: unknown } | null;
    const labels = alert?.labels;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      return { ok: false, error: `alerts[${i}].labels: must be a mapping` };
    }
    const entries = Object.entries(labels as Record<string, unknown>);
    if (!entries.every(([, v]) => typeof v === 'string')) {
      return { ok: false, error: `alerts[${i}].labels: values must be strings` };
    }
    const name = (labels as Record<string, unknown>)['alertname'];
    if (typeof name !== 'string' || name === '') {
      return { ok: false, error: `alerts[${i}].labels.alertname: is required` };
    }
    if (alert?.status === 'firing') firing.push({ name, labels: labels as Record<string, string> });
    else if (alert?.status === 'resolved') resolved++;
    else return { ok: false, error: `alerts[${i}].status: must be "firing" or "resolved"` };
  }
  return { ok: true, firing, resolved };
}

export interface WebhookDeps {
  hub: WatcherHub;
  /** The bearer token Alertmanager must send; undefined disables the endpoint. */
  token: SecretFile | undefined;
  maxBodyBytes: number;
  metrics: Metrics;
  logger: Logger;
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createAlertmanagerHandler(
  deps: WebhookDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const reply = (
    res: ServerResponse,
    code: number,
    outcome: string,
    body: object,
    headers: Record<string, string> = {},
  ): void => {
    deps.metrics.webhookRequest(outcome);
    res
      .writeHead(code, { 'content-type': 'application/json', ...headers })
      .end(`${JSON.stringify(body)}\n`);
  };
  return (req, res) => {
    if (deps.token === undefined) {
      reply(res, 404, 'disabled', {
        error: 'the Alertmanager webhook is disabled: set push.alertmanagerTokenFile',
      });
      return;
    }
    if (req.method !== 'POST') {
      reply(res, 405, 'method_not_allowed', { error: 'use POST' }, { allow: 'POST' });
      return;
    }
    let expected: string;
    try {
      expected = deps.token.read();
    } catch (e) {
      deps.logger.error({ err: e }, 'cannot read push.alertmanagerTokenFile');
      reply(res, 503, 'token_unreadable', {
        error: 'the webhook token cannot be read on the server',
      });
      return;
    }
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (given === '' || !sameToken(given, expected)) {
      req.resume();
      reply(
        res,
        401,
        'unauthorized',
        { error: 'a valid bearer token is required' },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > deps.maxBodyBytes) {
      req.resume();
      reply(res, 413, 'too_large', { error: `the body is larger than ${deps.maxBodyBytes} bytes` });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > deps.maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) {
        reply(res, 413, 'too_large', {
          error: `the body is larger than ${deps.maxBodyBytes} bytes`,
        });
        return;
      }
      const payload = parseAlertmanagerPayload(Buffer.concat(chunks).toString('utf8'));
      if (!payload.ok) {
        reply(res, 400, 'bad_request', { error: payload.error });
        return;
      }
      let watchers = 0;
      let streams = 0;
      for (const alert of payload.firing) {
        const woken = deps.hub.alert(alert);
        watchers += woken.watchers;
        streams += woken.streams;
      }
      if (streams > 0) {
        deps.logger.info(
          { alerts: payload.firing.map(a => a.name), watchers, streams },
          'alert woke streams',
        );
      }
      reply(res, 200, 'accepted', {
        firing: payload.firing.length,
        resolved: payload.resolved,
        watchers,
        streams,
      });
    });
  };
}
