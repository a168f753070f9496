// Long cache and memo keys replaced by their SHA-256, so that a key costs bounded memory however
// long the query or metadata map it stands for.
import { createHash } from 'node:crypto';

/**
 * Keys up to this length (UTF-16 code units) are kept as they are: hashing costs more than it
 * saves below it, and nearly every real key (source, query, TTL) is shorter.
 */
const MAX_PLAIN_KEY_CHARS = 512;

/**
 * `key` itself when short, else `#` and its SHA-256 (base64, 44 characters). The keys this is
 * used for (cache-key.ts's JSON list, the resolver's length-prefixed map) never start with `#`,
 * so a digest never equals a plain key; SHA-256 collisions are not a practical concern.
 */
export function compactKey(key: string): string {
  if (key.length <= MAX_PLAIN_KEY_CHARS) return key;
  return `#${createHash('sha256').update(key).digest('base64')}`;
}
