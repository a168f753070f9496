// One clear message when a server cannot bind its address, whichever library tried: Node's own
// listen error (HTTP) or grpc-js's "No address added out of total 1 resolved errors: [...]".

/** What each bind error code means for whoever runs the scaler, and what to do about it. */
const CAUSES: Record<string, string> = {
  EADDRINUSE: 'the port is already in use by another process; stop it, or choose another port',
  EACCES: 'permission denied (ports below 1024 need privileges); choose a port from 1024 up',
  EADDRNOTAVAIL: 'the host is not an address of this machine; use 0.0.0.0, 127.0.0.1 or ::',
};

/**
 * `cannot listen on 0.0.0.0:6000 (--grpc-address): the port is already in use …`.
 *
 * @param setting the flag that sets the address, e.g. `--grpc-address`.
 */
export function listenError(address: string, setting: string, err: Error): Error {
  const text = err.message;
  const code = Object.keys(CAUSES).find(c => text.includes(c));
  // grpc-js wraps the system error in its own sentence; show what it wraps.
  const inner = /errors: \[(.*)\]\s*$/s.exec(text)?.[1] ?? text;
  const cause = code === undefined ? inner : CAUSES[code];
  return new Error(`cannot listen on ${address} (${setting}): ${cause}`, { cause: err });
}
