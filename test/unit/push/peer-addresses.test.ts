// Peer addresses: a static list as given; a DNS name's every address, cached for DNS_CACHE_MS,
// one lookup at a time, and a failed lookup reported to the caller.
import { lookup } from 'node:dns/promises';
import { DNS_CACHE_MS, PeerAddresses } from '../../../src/push/peer-addresses';

test('static: the list as configured', async () => {
  const addresses = [
    { host: '127.0.0.1', port: 1 },
    { host: '127.0.0.1', port: 2 },
  ];
  expect(await new PeerAddresses({ kind: 'static', addresses }).list()).toEqual(addresses);
});

test('dns: every address of the name with the port, reused for DNS_CACHE_MS, coalesced', async () => {
  let now = 0;
  const answers = [['10.0.0.1', '10.0.0.2', '10.0.0.1'], ['10.0.0.3']];
  const asked: string[] = [];
  const peers = new PeerAddresses(
    { kind: 'dns', host: 'scaler.keda.svc', port: 8080 },
    host => {
      asked.push(host);
      return Promise.resolve(answers.shift() ?? []);
    },
    () => now,
  );
  const [a, b] = await Promise.all([peers.list(), peers.list()]);
  expect(a).toEqual([
    { host: '10.0.0.1', port: 8080 },
    { host: '10.0.0.2', port: 8080 },
  ]);
  expect(b).toEqual(a);
  now += DNS_CACHE_MS - 1;
  expect(await peers.list()).toEqual(a);
  expect(asked).toEqual(['scaler.keda.svc']);
  now += 1;
  expect(await peers.list()).toEqual([{ host: '10.0.0.3', port: 8080 }]);
  expect(asked).toHaveLength(2);
});

test('dns: a failed lookup rejects, and the next call asks again', async () => {
  let fail = true;
  const peers = new PeerAddresses({ kind: 'dns', host: 'gone.keda.svc', port: 8080 }, () =>
    fail ? Promise.reject(new Error('ENOTFOUND gone.keda.svc')) : Promise.resolve(['10.0.0.9']),
  );
  await expect(peers.list()).rejects.toThrow('ENOTFOUND');
  fail = false;
  expect(await peers.list()).toEqual([{ host: '10.0.0.9', port: 8080 }]);
});

test('dns: the system resolver answers for localhost as getaddrinfo does', async () => {
  const expected = (await lookup('localhost', { all: true })).map(a => a.address);
  const peers = new PeerAddresses({ kind: 'dns', host: 'localhost', port: 8080 });
  expect((await peers.list()).map(a => a.host).sort()).toEqual([...new Set(expected)].sort());
});
