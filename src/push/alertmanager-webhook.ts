// POST /alertmanager: Alertmanager's webhook (payload version 4). A firing alert wakes the
// matching StreamIsActive watchers at once; a resolved alert changes nothing (deactivation stays
// with polling and cooldown). Bad requests get a clear 4xx and change nothing.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecretFile } from '../sources/secret-file';
import { nestingDepth } from '../util/json-depth';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import type { PeerForwarder } from './peer-forwarder';
import type { PeerOutcome } from './peer-protocol';
import {
  BATCH_ID_HEADER,
  BATCH_ID_PATTERN,
  FORWARDED_BY_HEADER,
  PEER_OUTCOME_HEADER,
} from './peer-protocol';
import type { SeenBatches } from './seen-batches';
import type { FiringAlert, WatcherHub } from './watcher-hub';

export type PayloadCheck =
  { ok: true; firing: FiringAlert[]; resolved: number } | { ok: false; error: string };

/** Alertmanager's payload is 4 levels deep (body, alerts, alert, labels); 32 is ample. */
const MAX_PAYLOAD_DEPTH = 32;

/** Validates a webhook body: version "4", and every alert with a status and string labels. */
export function parseAlertmanagerPayload(body: string): PayloadCheck {
  if (nestingDepth(body, MAX_PAYLOAD_DEPTH) > MAX_PAYLOAD_DEPTH) {
    return { ok: false, error: `the body is nested deeper than ${MAX_PAYLOAD_DEPTH} levels` };
  }
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
  /** This process's id; a forward carrying it as its hop marker came back to its sender. */
  instanceId: string;
  /** Batch ids already handled: a batch wakes streams once however often it arrives. */
  seen: SeenBatches;
  /** Forwards what Alertmanager sent to the peer replicas; undefined without push.peers. */
  forwarder?: PeerForwarder | undefined;
}

/** A webhook answer: HTTP status, metric outcome, JSON body, extra headers. */
type Answer = [code: number, outcome: string, body: object, headers?: Record<string, string>];

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * Wakes the streams a valid payload's firing alerts match. From Alertmanager: under a new batch
 * id, then handed to the peers without waiting for them. From a peer (it carries a batch id and
 * the hop marker): once per id, and never forwarded again.
 */
function accept(
  deps: WebhookDeps,
  req: IncomingMessage,
  payload: { firing: FiringAlert[]; resolved: number },
): Answer {
  const batchId = headerOf(req, BATCH_ID_HEADER);
  const forwardedBy = headerOf(req, FORWARDED_BY_HEADER);
  const fromPeer = batchId !== undefined || forwardedBy !== undefined;
  if (fromPeer && (batchId === undefined || !BATCH_ID_PATTERN.test(batchId) || !forwardedBy)) {
    return [
      400,
      'bad_request',
      { error: `${BATCH_ID_HEADER} (a UUID) and ${FORWARDED_BY_HEADER} must be sent together` },
    ];
  }
  const peerAnswer = (outcome: PeerOutcome, body: object): Answer => [
    200,
    `peer_${outcome}`,
    body,
    { [PEER_OUTCOME_HEADER]: outcome },
  ];
  if (fromPeer && forwardedBy === deps.instanceId) return peerAnswer('self', { self: true });
  const id = batchId ?? randomUUID();
  if (!deps.seen.add(id)) return peerAnswer('duplicate', { duplicate: true });
  let watchers = 0;
  let streams = 0;
  for (const alert of payload.firing) {
    const woken = deps.hub.alert(alert);
    watchers += woken.watchers;
    streams += woken.streams;
  }
  if (streams > 0) {
    deps.logger.info(
      { alerts: payload.firing.map(a => a.name), watchers, streams, batch: id, fromPeer },
      'alert woke streams',
    );
  }
  const body = { firing: payload.firing.length, resolved: payload.resolved, watchers, streams };
  if (fromPeer) return peerAnswer('accepted', body);
  void deps.forwarder?.forward({ id, firing: payload.firing });
  return [200, 'accepted', body];
}

/** Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Alertmanager sends `application/json` (optionally with a charset parameter). */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

export function createAlertmanagerHandler(
  deps: WebhookDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  const reply = (res: ServerResponse, ...[code, outcome, body, headers = {}]: Answer): void => {
    deps.metrics.webhookRequest(outcome);
    res
      .writeHead(code, { 'content-type': 'application/json', ...headers })
      .end(`${JSON.stringify(body)}\n`);
  };
  /**
   * Answers without reading (the rest of) the body, then closes the connection: a client that
   * may not upload, or uploads too much, gets no more of our time or bandwidth.
   */
  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    ...[code, outcome, body, headers = {}]: Answer
  ): void => {
    req.pause();
    res.once('finish', () => req.socket.destroy());
    reply(res, code, outcome, body, { connection: 'close', ...headers });
  };
  const tooLarge = { error: `the body is larger than ${deps.maxBodyBytes} bytes` };
  return (req, res) => {
    if (deps.token === undefined) {
      refuse(req, res, 404, 'disabled', {
        error: 'the Alertmanager webhook is disabled: set push.alertmanagerTokenFile',
      });
      return;
    }
    if (req.method !== 'POST') {
      refuse(req, res, 405, 'method_not_allowed', { error: 'use POST' }, { allow: 'POST' });
      return;
    }
    let expected: string;
    try {
      expected = deps.token.read();
    } catch (e) {
      // Not there yet: the optional Secret (components/webhook) is absent and the pod runs with
      // the webhook off, as the start-up warning said; not an error worth a line per request.
      const absent = (e as NodeJS.ErrnoException).code === 'ENOENT';
      if (!absent) deps.logger.error({ err: e }, 'cannot read push.alertmanagerTokenFile');
      refuse(req, res, 503, 'token_unreadable', {
        error: absent
          ? 'the webhook is off until its token file (push.alertmanagerTokenFile) exists on the server'
          : 'the webhook token cannot be read on the server',
      });
      return;
    }
    // The scheme is case-insensitive (RFC 9110 11.1): Alertmanager sends its `authorization.type`
    // as the operator wrote it, `bearer` as well as `Bearer`.
    const given = /^bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (given === '' || !sameToken(given, expected)) {
      refuse(
        req,
        res,
        401,
        'unauthorized',
        { error: 'a valid bearer token is required' },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    if (!isJson(req.headers['content-type'])) {
      refuse(req, res, 415, 'unsupported_media_type', {
        error: 'content-type: must be application/json',
      });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > deps.maxBodyBytes) {
      refuse(req, res, 413, 'too_large', tooLarge);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= deps.maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      // A chunked body has no declared length: cut it at the limit, not at its end.
      refused = true;
      req.off('data', onData);
      chunks.length = 0;
      refuse(req, res, 413, 'too_large', tooLarge);
    };
    req.on('data', onData);
    req.on('error', () => undefined);
    req.on('end', () => {
      if (refused) return;
      const payload = parseAlertmanagerPayload(Buffer.concat(chunks).toString('utf8'));
      if (!payload.ok) {
        reply(res, 400, 'bad_request', { error: payload.error });
        return;
      }
      reply(res, ...accept(deps, req, payload));
    });
  };
}
