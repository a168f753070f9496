// An OAuth2 token endpoint that answers with an endless body: the scaler stops reading at 64 KiB,
// drops the connection and reports the source unavailable, naming no secret.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuth2Auth } from '../../src/prometheus/auth/oauth2';

const SECRET = 'token-endpoint-test-secret';

test('an endless token answer is cut off and the connection dropped', async () => {
  let written = 0;
  let hungUp: () => void = () => undefined;
  const closed = new Promise<void>(resolve => (hungUp = resolve));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => hungUp());
    pump();
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const auth = new OAuth2Auth(
      'endless',
      {
        tokenUrl: `http://127.0.0.1:${port}/token`,
        clientId: 'scaler',
        clientSecretFile: '/unused',
        scopes: [],
        endpointParams: {},
      },
      () => SECRET,
    );
    const request = { method: 'GET', origin: 'http://x', path: '/', headers: {}, body: null };
    const error = (await auth
      .authorize(request as never, new AbortController().signal)
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(
      'source "endless": oauth2: the token endpoint answered HTTP 200 with more than 65536 bytes',
    );
    expect(error.message).not.toContain(SECRET);
    // The endpoint never ends this body: the connection closes only when the scaler hangs up.
    await closed;
    // Some data is in socket buffers on both sides; far less than an unbounded read would take.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  } finally {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  }
});
