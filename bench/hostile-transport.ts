// Hostile clients at the transport of a scaler in its own process: oversized messages, slow headers.
import { request } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadExternalScalerPackage } from '../src/grpc/load-proto';
import type { ScaledObjectRef } from '../src/grpc/messages';
import { parseTrigger } from '../src/metadata/parse-trigger';
import { MAX_REQUEST_MESSAGE_BYTES } from '../src/scaler/message-limit';
import { ScalerClient, ref } from '../scripts/lib/scaler-client';
import { DEPLOYMENT_NODE_FLAGS, forkServer } from './lib/child';
import type { ServerChild } from './lib/child';
import { percentile, round } from './lib/load';

const GET_METRIC_SPEC = '/externalscaler.ExternalScaler/GetMetricSpec';
/** KEDA's gRPC deadline for an external scaler call (kedacore/keda pkg/scalers/external_scaler.go). */
const KEDA_DEADLINE_MS = 3000;
/** grpc-js's own default max_receive_message_length, what the port accepted before the bound. */
const GRPC_JS_DEFAULT_MAX_RECEIVE_BYTES = 4 * 1024 * 1024;
/** Upper bounds on every loop, besides its time window. */
const MAX_CALLS_PER_WINDOW = 100_000;
const MAX_SOCKET_OPENS_PER_WINDOW = 50_000;
/** Calls after start-up before any window is measured (ms). */
const WARM_UP_MS = 1500;

const sleep = (ms: number): Promise<void> => new Promise(r => setTimeout(r, ms));
const codeName = (e: unknown): string => {
  const code = (e as { code?: number }).code;
  return code === undefined ? String(e) : (grpc.status[code] ?? String(code));
};
const count = (tally: Record<string, number>, key: string): void => {
  tally[key] = (tally[key] ?? 0) + 1;
};

// ---- (a) Oversized GetMetricSpec messages ----

const getMetricSpecMethod = () => loadExternalScalerPackage().service['GetMetricSpec']!;

/**
 * The synchronous work one message costs a scaler that decodes it, timed in this process (best of
 * three, so the least disturbed by other jobs on the machine): protobuf decoding, then the metadata
 * checks that refuse it. Both run on the event loop; the transport bound skips both.
 */
function decodeCost(message: Buffer): { decodeMs: number; checkMs: number } {
  const { requestDeserialize } = getMetricSpecMethod();
  let best = { decodeMs: Infinity, checkMs: Infinity };
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const decoded = requestDeserialize(message) as ScaledObjectRef;
    const t1 = performance.now();
    try {
      parseTrigger(decoded.scalerMetadata);
    } catch {
      // refused, as expected
    }
    const t2 = performance.now();
    if (t2 - t0 < best.decodeMs + best.checkMs) best = { decodeMs: t1 - t0, checkMs: t2 - t1 };
  }
  return { decodeMs: Math.round(best.decodeMs), checkMs: Math.round(best.checkMs) };
}

/** `n` keys of 1 to 4 characters (base 36 numbers) with empty values. */
const shortKeys = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [i.toString(36), '']));

/**
 * A ScaledObjectRef of exactly `bytes` encoded bytes built the costliest way to decode: as many
 * short keys as fit (each an object property once decoded), then one padding value adjusted until
 * the size is exact. Both steps are a few bounded tries: the key count is scaled to land 1 to 4 kB
 * under `bytes`, the padding's length varint can shift the size by a byte.
 */
function messageOfSize(
  serialize: (value: object) => Buffer,
  bytes: number,
): { message: Buffer; keys: number } {
  let keys = shortKeys(1000);
  for (let attempt = 0; attempt < 6; attempt++) {
    const size = serialize(ref(keys)).length;
    if (size <= bytes - 1024 && size > bytes - 4096) break;
    keys = shortKeys(Math.floor((Object.keys(keys).length * (bytes - 2048)) / size));
  }
  let pad = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    const message = serialize(ref({ ...keys, '-pad': 'p'.repeat(pad) }));
    if (message.length === bytes) return { message, keys: Object.keys(keys).length + 1 };
    pad = Math.max(0, pad + bytes - message.length);
  }
  throw new Error(`could not build a message of exactly ${bytes} bytes`);
}

/** A channel of its own that sends already-encoded GetMetricSpec requests (no re-encoding in this
 * process, so the load generator's own work stays small). */
function rawSender(target: string): {
  send: (message: Buffer) => Promise<string>;
  close: () => void;
} {
  const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
  const identity = (b: Buffer): Buffer => b;
  return {
    send: message =>
      new Promise(resolve =>
        client.makeUnaryRequest(
          GET_METRIC_SPEC,
          identity,
          identity,
          message,
          new grpc.Metadata(),
          { deadline: Date.now() + 10_000 },
          err => resolve(err ? codeName(err) : 'OK'),
        ),
      ),
    close: () => client.close(),
  };
}

/** A well-behaved trigger (test/helpers/fixtures.ts backfills kps_test_queue_depth). */
const GOOD_TRIGGER = ref({ query: 'sum(kps_test_queue_depth)', threshold: '10' });

/** The well-behaved client, with the metric name its GetMetricSpec returned. */
interface GoodClient {
  client: ScalerClient;
  metricName: string;
}

interface MessageWindow {
  hostileSenders: number;
  /** Longest event-loop block in the scaler's process during the window (ms). */
  maxBlockMs: number;
  /** The well-behaved client (one call in flight, KEDA's 3 s deadline): answered, past the
   * deadline, other errors, and its slowest call (ms). */
  good: { answered: number; deadlineExceeded: number; otherErrors: number; slowestMs: number };
  /** Hostile messages sent and their answers by gRPC status, slowest answer (ms). */
  hostile: { sent: number; codes: Record<string, number>; slowestMs: number };
}

/** `windowMs` of a good client's GetMetricSpec, GetMetrics and IsActive in turn, next to
 * `senders` hostile clients each sending `message` back to back. */
async function messageWindow(
  server: ServerChild,
  { client: good, metricName }: GoodClient,
  senders: ReturnType<typeof rawSender>[],
  message: Buffer | undefined,
  windowMs: number,
): Promise<MessageWindow> {
  const o = { deadlineMs: KEDA_DEADLINE_MS };
  const goodCalls = [
    () => good.getMetricSpec(GOOD_TRIGGER, o),
    () => good.getMetrics(GOOD_TRIGGER, metricName, o),
    () => good.isActive(GOOD_TRIGGER, o),
  ];
  await server.usage(); // resets the child's event-loop maximum
  const end = Date.now() + windowMs;
  const result: MessageWindow = {
    hostileSenders: message === undefined ? 0 : senders.length,
    maxBlockMs: 0,
    good: { answered: 0, deadlineExceeded: 0, otherErrors: 0, slowestMs: 0 },
    hostile: { sent: 0, codes: {}, slowestMs: 0 },
  };
  const goodLoop = async (): Promise<void> => {
    for (let i = 0; i < MAX_CALLS_PER_WINDOW && Date.now() < end; i++) {
      const t0 = performance.now();
      try {
        await goodCalls[i % goodCalls.length]!();
        result.good.answered++;
      } catch (e) {
        if (codeName(e) === 'DEADLINE_EXCEEDED') result.good.deadlineExceeded++;
        else result.good.otherErrors++;
      }
      result.good.slowestMs = Math.max(result.good.slowestMs, performance.now() - t0);
    }
  };
  const hostileLoop = async (sender: ReturnType<typeof rawSender>): Promise<void> => {
    for (let i = 0; message !== undefined && i < MAX_CALLS_PER_WINDOW && Date.now() < end; i++) {
      const t0 = performance.now();
      count(result.hostile.codes, await sender.send(message));
      result.hostile.sent++;
      result.hostile.slowestMs = Math.max(result.hostile.slowestMs, performance.now() - t0);
    }
  };
  await Promise.all([goodLoop(), ...senders.map(hostileLoop)]);
  result.maxBlockMs = round((await server.usage()).loopMaxMs, 1);
  result.good.slowestMs = Math.round(result.good.slowestMs);
  result.hostile.slowestMs = Math.round(result.hostile.slowestMs);
  return result;
}

/** One scaler process; a baseline window, then each message with 1 and 2 hostile senders. */
async function messageRounds(
  prometheusUrl: string,
  messages: Record<string, Buffer>,
  windowMs: number,
  appOptions: Record<string, unknown> = {},
): Promise<Record<string, MessageWindow[]>> {
  const server = await forkServer('scaler', prometheusUrl, {}, DEPLOYMENT_NODE_FLAGS, appOptions);
  const target = `127.0.0.1:${server.port}`;
  const client = new ScalerClient(target, { 'grpc.use_local_subchannel_pool': 1 });
  const senders = [rawSender(target), rawSender(target)];
  const rounds: Record<string, MessageWindow[]> = {};
  try {
    const spec = await client.getMetricSpec(GOOD_TRIGGER);
    const good = { client, metricName: spec.metricSpecs[0]?.metricName ?? '' };
    // Unreported: the first second after start-up (JIT, first queries) is not the baseline.
    await messageWindow(server, good, [], undefined, WARM_UP_MS);
    rounds['noHostileClient'] = [await messageWindow(server, good, [], undefined, windowMs)];
    for (const [name, message] of Object.entries(messages)) {
      rounds[name] = [];
      for (const n of [1, 2])
        rounds[name].push(
          await messageWindow(server, good, senders.slice(0, n), message, windowMs),
        );
    }
  } finally {
    senders.forEach(s => s.close());
    client.close();
    await server.stop();
  }
  return rounds;
}

export async function oversizedMessages(prometheusUrl: string, windowMs = 8000) {
  const serialize = getMetricSpecMethod().requestSerialize;
  const built = {
    fourMiB: messageOfSize(serialize, GRPC_JS_DEFAULT_MAX_RECEIVE_BYTES),
    justOverLimit: messageOfSize(serialize, MAX_REQUEST_MESSAGE_BYTES + 1),
    atLimit: messageOfSize(serialize, MAX_REQUEST_MESSAGE_BYTES),
  };
  const messages = Object.fromEntries(Object.entries(built).map(([k, m]) => [k, m.message]));
  return {
    nodeFlags: DEPLOYMENT_NODE_FLAGS.join(' '),
    windowMs,
    limitBytes: MAX_REQUEST_MESSAGE_BYTES,
    messages: Object.fromEntries(
      Object.entries(built).map(([k, m]) => [
        k,
        { bytes: m.message.length, keys: m.keys, ...decodeCost(m.message) },
      ]),
    ),
    bounded: await messageRounds(prometheusUrl, messages, windowMs),
    /** The same 4 MiB message with grpc-js's default bound, as before the transport bound. */
    grpcJsDefaultBound: await messageRounds(
      prometheusUrl,
      { fourMiB: built.fourMiB.message },
      windowMs,
      {
        grpcServerOptions: { 'grpc.max_receive_message_length': GRPC_JS_DEFAULT_MAX_RECEIVE_BYTES },
      },
    ),
  };
}

// ---- (b) Slow-header flood on the HTTP port ----

/** A GET from `localAddress` on a connection of its own; the status (0 on error or timeout). */
function getFrom(
  url: string,
  localAddress: string,
  timeoutMs: number,
): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  return new Promise(resolve => {
    let done = false;
    const finish = (status: number): void => {
      if (done) return;
      done = true;
      resolve({ status, ms: performance.now() - t0 });
    };
    const req = request(url, { localAddress, agent: false, timeout: timeoutMs }, res => {
      res.resume();
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', () => finish(0));
    });
    req.on('timeout', () => {
      req.destroy();
      finish(0);
    });
    req.on('error', () => finish(0));
    req.end();
  });
}

/** `sockets` slow-header connections from `from`, each sending a request line and one header
 * byte a second; a closed one is reopened a second later, as a persistent attacker would. */
function slowHeaderFlood(port: number, from: string, sockets: number, until: number) {
  const open = new Map<Socket, number>();
  const stats = { opened: 0, closedWithin1s: 0, closedLater: 0 };
  const openOne = (): void => {
    if (Date.now() >= until || stats.opened >= MAX_SOCKET_OPENS_PER_WINDOW) return;
    stats.opened++;
    const socket = connect({ host: '127.0.0.1', port, localAddress: from });
    const started = Date.now();
    let trickle: NodeJS.Timeout | undefined;
    open.set(socket, started);
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nx-slow: ');
      trickle = setInterval(() => socket.write('a'), 1000);
    });
    socket.on('close', () => {
      clearInterval(trickle);
      open.delete(socket);
      if (Date.now() - started < 1000) stats.closedWithin1s++;
      else stats.closedLater++;
      setTimeout(openOne, 1000);
    });
  };
  for (let i = 0; i < sockets; i++) openOne();
  return {
    /** What the server did so far; `held`: sockets connected and open for a second or more. */
    snapshot: () => ({
      ...stats,
      held: [...open].filter(([s, t]) => !s.connecting && Date.now() - t >= 1000).length,
    }),
    stop: () => open.forEach((_, s) => s.destroy()),
  };
}

interface FloodWindow {
  slowSockets: number;
  /** kubelet-like probes from another address: one every 100 ms, 1 s timeout (the kubelet's
   * default timeoutSeconds). */
  healthz: { sent: number; ok: number; successPercent: number; p50Ms: number; maxMs: number };
  /** Prometheus-like scrapes from another address: one a second, 5 s timeout. */
  metrics: { sent: number; ok: number; maxMs: number };
  /** Flood sockets opened, closed by the server within a second (over a cap) or later (the
   * header timeout), and held at the end of the window. */
  flood: { opened: number; closedWithin1s: number; closedLater: number; held: number };
  maxBlockMs: number;
}

async function floodWindow(
  server: ServerChild,
  sockets: number,
  windowMs: number,
): Promise<FloodWindow> {
  const base = `http://127.0.0.1:${server.httpPort}`;
  const until = Date.now() + windowMs;
  await server.usage();
  const flood = slowHeaderFlood(server.httpPort, '127.0.0.2', sockets, until);
  await sleep(500); // let the flood connect before the other client starts
  const probes: Promise<{ status: number; ms: number }>[] = [];
  const scrapes: Promise<{ status: number; ms: number }>[] = [];
  for (let i = 0; i < MAX_CALLS_PER_WINDOW && Date.now() < until; i++) {
    probes.push(getFrom(`${base}/healthz`, '127.0.0.3', 1000));
    if (i % 10 === 0) scrapes.push(getFrom(`${base}/metrics`, '127.0.0.3', 5000));
    await sleep(100);
  }
  const floodStats = flood.snapshot();
  const [probed, scraped] = [await Promise.all(probes), await Promise.all(scrapes)];
  flood.stop();
  const maxBlockMs = round((await server.usage()).loopMaxMs, 1);
  const ok = probed.filter(p => p.status === 200);
  const times = probed.map(p => p.ms).sort((a, b) => a - b);
  return {
    slowSockets: sockets,
    healthz: {
      sent: probed.length,
      ok: ok.length,
      successPercent: round((100 * ok.length) / Math.max(1, probed.length), 1),
      p50Ms: round(percentile(times, 50), 1),
      maxMs: Math.round(times[times.length - 1] ?? NaN),
    },
    metrics: {
      sent: scraped.length,
      ok: scraped.filter(s => s.status === 200).length,
      maxMs: Math.round(Math.max(...scraped.map(s => s.ms))),
    },
    flood: floodStats,
    maxBlockMs,
  };
}

async function floodRounds(
  prometheusUrl: string,
  floods: number[],
  windowMs: number,
  appOptions: Record<string, unknown> = {},
): Promise<FloodWindow[]> {
  const server = await forkServer('scaler', prometheusUrl, {}, DEPLOYMENT_NODE_FLAGS, appOptions);
  const windows: FloodWindow[] = [];
  try {
    for (const sockets of floods) {
      windows.push(await floodWindow(server, sockets, windowMs));
      await sleep(1500); // the flood's last sockets close before the next window
    }
  } finally {
    await server.stop();
  }
  return windows;
}

/** Windows longer than the 5 s header timeout, so held sockets are cut and retaken within one. */
export async function slowSocketFlood(prometheusUrl: string, windowMs = 12_000) {
  const floods = [0, 300, 600];
  return {
    nodeFlags: DEPLOYMENT_NODE_FLAGS.join(' '),
    windowMs,
    floodFrom: '127.0.0.2',
    probesFrom: '127.0.0.3',
    defaults: await floodRounds(prometheusUrl, floods, windowMs),
    /** The same flood with one client allowed the whole cap and Node's default header (60 s) and
     * request (300 s) timeouts: the port as it was before the per-client cap and short timeouts. */
    perClientCapOff: await floodRounds(prometheusUrl, floods.slice(1), windowMs, {
      httpLimits: {
        maxConnectionsPerClient: 256,
        headersTimeoutMs: 60_000,
        requestTimeoutMs: 300_000,
      },
    }),
  };
}

export async function hostileTransport(prometheusUrl: string, quick = false) {
  return {
    oversizedMessages: await oversizedMessages(prometheusUrl, quick ? 4000 : 8000),
    slowSocketFlood: await slowSocketFlood(prometheusUrl, quick ? 7000 : 12_000),
  };
}
