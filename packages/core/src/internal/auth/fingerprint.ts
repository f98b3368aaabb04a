import { createHash, randomBytes } from 'node:crypto';

// A per-process random salt: fingerprints key in-memory caches and must not lead back to a secret.
const SALT = randomBytes(32);

/** A salted SHA-256 of a credential's parts: usable as a cache key, never as the credential. */
export function fingerprint(...parts: string[]): string {
  const h = createHash('sha256').update(SALT);
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64url').slice(0, 22);
}
