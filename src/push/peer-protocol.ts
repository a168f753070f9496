// How replicas hand accepted Alertmanager alerts to each other: the headers a forwarded batch
// carries and the body it is sent as. Shared by the webhook (receiving) and the forwarder.

/** The batch's id (a UUID): a replica wakes streams for an id once. Its presence marks a forward. */
export const BATCH_ID_HEADER = 'x-kps-batch-id';
/**
 * The hop marker: the instance id of the replica that received the batch from Alertmanager. A
 * request that carries it is never forwarded again, so a batch travels one hop and cannot loop.
 */
export const FORWARDED_BY_HEADER = 'x-kps-forwarded-by';
/** On the answer to a forward: what the peer did with it (a PeerOutcome). */
export const PEER_OUTCOME_HEADER = 'x-kps-peer-outcome';

/** What a peer did with a forwarded batch. */
export type PeerOutcome = 'accepted' | 'duplicate' | 'self';

/** A batch id as this scaler makes them (a UUID); anything else in the header is refused. */
export const BATCH_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The alerts a forward carries: the firing ones, as Alertmanager's version-4 payload. */
export function forwardBody(
  firing: readonly { labels: Readonly<Record<string, string>> }[],
): string {
  return JSON.stringify({
    version: '4',
    alerts: firing.map(a => ({ status: 'firing', labels: a.labels })),
  });
}
