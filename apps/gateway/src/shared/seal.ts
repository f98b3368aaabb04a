// What the Redis store keeps, made from GATEWAY_STORE_SECRET: keys are HMACs (the group's HMAC is the
// hash tag, so one group's keys share a Redis Cluster slot), and every value carries an HMAC tag bound
// to its key and times. Redis is read back as untrusted input: a value whose tag, shape or time does
// not verify is a miss. Nothing secret is ever written to Redis.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { groupOf, nameOf, type StoreKey } from './store.js';

/** Smallest GATEWAY_STORE_SECRET accepted (characters). */
export const MIN_STORE_SECRET_LENGTH = 32;

/** How far ahead of this replica's clock a value may have been written (clock skew between replicas). */
const MAX_SKEW_MS = 2000;

/** What `open` found. */
export type Opened = { ok: true; value: string; expiresAt: number } | { ok: false; rejected: boolean };

export interface Sealer {
  /** The Redis key of `key` for a kind of state (`v` value, `r` limit, `l` lock): `{prefix}{tag}:kind:name`. */
  key(kind: string, key: StoreKey): string;
  /** The value to store under `redisKey`: `writtenAt.expiresAt.tag.payload`. */
  seal(redisKey: string, payload: string, now: number, ttlMs: number): string;
  /** The payload of a stored value, if its tag, shape and times verify (`rejected`: it did not). */
  open(redisKey: string, stored: string, now: number): Opened;
}

const MISS: Opened = { ok: false, rejected: false };
const REJECTED: Opened = { ok: false, rejected: true };

export function createSealer(secret: string, prefix: string): Sealer {
  // Two independent keys from the one secret: naming keys and tagging values never share a key.
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'dbss-obs gateway store', info, 32));
  const nameKey = derive('key names');
  const tagKey = derive('value tags');
  const mac = (k: Buffer, data: string) => createHmac('sha256', k).update(data).digest('base64url');
  const tagOf = (redisKey: string, head: string, payload: string) =>
    createHmac('sha256', tagKey).update(redisKey).update('\n').update(head).update('\n').update(payload).digest();

  return {
    key(kind, key) {
      const group = groupOf(key);
      const name = nameOf(key);
      // 128 bits of HMAC name a group or an entry: collisions are out of reach, keys stay short.
      const tag = mac(nameKey, `g\n${group}`).slice(0, 22);
      return name === ''
        ? `${prefix}{${tag}}:${kind}`
        : `${prefix}{${tag}}:${kind}:${mac(nameKey, `n\n${group}\n${name}`).slice(0, 22)}`;
    },
    seal(redisKey, payload, now, ttlMs) {
      const head = `${Math.floor(now)}.${Math.ceil(now + ttlMs)}`;
      return `${head}.${tagOf(redisKey, head, payload).toString('base64url')}.${payload}`;
    },
    open(redisKey, stored, now) {
      const a = stored.indexOf('.');
      const b = a < 0 ? -1 : stored.indexOf('.', a + 1);
      const c = b < 0 ? -1 : stored.indexOf('.', b + 1);
      if (c < 0) return REJECTED;
      const head = stored.slice(0, b);
      const writtenAt = Number(stored.slice(0, a));
      const expiresAt = Number(stored.slice(a + 1, b));
      if (!Number.isSafeInteger(writtenAt) || !Number.isSafeInteger(expiresAt) || expiresAt < writtenAt)
        return REJECTED;
      let tag: Buffer;
      try {
        tag = Buffer.from(stored.slice(b + 1, c), 'base64url');
      } catch {
        return REJECTED;
      }
      const payload = stored.slice(c + 1);
      const expected = tagOf(redisKey, head, payload);
      if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) return REJECTED;
      // Authentic but written "in the future": a replica's clock is off by more than any skew we allow.
      if (writtenAt > now + MAX_SKEW_MS) return REJECTED;
      if (expiresAt <= now) return MISS;
      return { ok: true, value: payload, expiresAt };
    },
  };
}
