// Binds a Node server to a configured `host:port` address ([v6]:port too), with an error that
// names the address.
import type { AddressInfo, Server } from 'node:net';
import { listenError } from './listen-error';

/**
 * Binds `address` and resolves with the bound port (useful with port 0 in tests).
 *
 * @param setting the flag that sets the address, named in the error (e.g. `--http-address`).
 */
export function listenOn(server: Server, address: string, setting = 'address'): Promise<number> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(listenError(address, setting, err));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
