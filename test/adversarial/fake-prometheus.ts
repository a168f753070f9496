// A Prometheus stand-in on loopback whose failure mode is switched per test, recording every
// request (method, path, query, headers, body) so tests can see what the scaler sent.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the next requests get. */
export type FakeMode =
  /** A one-sample instant vector with this value. */
  | { kind: 'ok'; value: string }
  /** Accepts the connection and never sends a byte (headers never come). */
  | { kind: 'silent' }
  /**
   * 200 with headers, then a body that never ends: the next chunk as soon as the connection
   * takes it, until the scaler hangs up (`endlessBytes` of its record says how far that was).
   */
  | { kind: 'endlessBody' }
  /** 200 with `[[[[…]]]]` this deep as the body. */
  | { kind: 'nestedJson'; depth: number }
  /** This status with Prometheus's error envelope whose text is every request header. */
  | { kind: 'echoHeaders'; status: number }
  /** This status with a plain body and optional Retry-After (401, 403, 429, 503, …). */
  | { kind: 'status'; status: number; retryAfter?: string; body?: string }
  /** The connection is reset as soon as the request arrives. */
  | { kind: 'reset' }
  /** Anything else a later case needs; the request is already recorded. */
  | { kind: 'custom'; respond: (req: IncomingMessage, res: ServerResponse) => void };

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Body bytes of an endless body written so far (how far the scaler read before hanging up). */
  endlessBytes: number;
  /** Settles when the response is done or its connection closes. */
  closed: Promise<void>;
}

export class FakePrometheus {
  mode: FakeMode = { kind: 'ok', value: '1' };
  readonly requests: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakePrometheus> {
    const server = createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakePrometheus(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => fake.handle(req, res));
    const sockets = fake.sockets;
    server.on('connection', socket => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return fake;
  }

  /** Queries received at /api/v1/query. */
  get queries(): RecordedRequest[] {
    return this.requests.filter(r => r.path === '/api/v1/query');
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const body = Buffer.concat(chunks).toString('utf8');
      const query = new URLSearchParams(url.search);
      if (req.method === 'POST') new URLSearchParams(body).forEach((v, k) => query.append(k, v));
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query,
        headers: req.headers,
        body,
        endlessBytes: 0,
        closed: new Promise(resolve => res.on('close', resolve)),
      };
      this.requests.push(record);
      this.respond(req, res, record);
    });
  }

  private respond(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void {
    const mode = this.mode;
    const json = (status: number, doc: unknown, headers: Record<string, string> = {}): void => {
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(doc));
    };
    switch (mode.kind) {
      case 'ok':
        json(200, {
          status: 'success',
          data: {
            resultType: 'vector',
            result: [{ metric: {}, value: [Date.now() / 1000, mode.value] }],
          },
        });
        return;
      case 'silent':
        return;
      case 'endlessBody': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"status":"success","data":{"resultType":"vector","result":[');
        const chunk = '{"metric":{},"value":[1,"1"]},'.repeat(2000);
        // Paced by the connection, not by a timer: how much arrives depends only on how much
        // the scaler reads, however slowly a loaded machine runs either side.
        const more = (): void => {
          let taken = true;
          while (!res.destroyed && taken) {
            taken = res.write(chunk);
            record.endlessBytes += chunk.length;
          }
          if (!res.destroyed) res.once('drain', more);
        };
        more();
        return;
      }
      case 'nestedJson':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`${'['.repeat(mode.depth)}${']'.repeat(mode.depth)}`);
        return;
      case 'echoHeaders':
        json(mode.status, {
          status: 'error',
          errorType: 'bad_data',
          error: `request headers: ${JSON.stringify(req.headers)}`,
        });
        return;
      case 'status':
        res
          .writeHead(mode.status, {
            'content-type': 'text/plain',
            ...(mode.retryAfter === undefined ? {} : { 'retry-after': mode.retryAfter }),
          })
          .end(mode.body ?? `${mode.status}\n`);
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'custom':
        mode.respond(req, res);
        return;
    }
  }
}
