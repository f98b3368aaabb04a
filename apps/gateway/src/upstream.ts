// Calls DBSS for the gateway: one client per credential, identical in-flight calls made once,
// an optional short TTL cache with the same key.
import { createHash } from 'node:crypto';
import { type DbssAttempt, DbssClient, type DbssRegion, type FetchLike, type ObsBucket } from '@dbss-obs/core';

/** What the last HTTP attempt of one upstream call saw. */
export interface UpstreamMeta {
  status?: number;
  requestId?: string;
}

export type UpstreamResult =
  | { ok: true; buckets: ObsBucket[]; meta: UpstreamMeta }
  | { ok: false; error: unknown; meta: UpstreamMeta };

/** Told about every HTTP attempt: its status (or failure kind) and duration. */
export type UpstreamObserver = (status: string, seconds: number) => void;

export interface UpstreamOptions {
  /** Base URL for every region (emulator, proxy); otherwise each region's public endpoint. */
  endpoint?: string;
  defaultRegion?: DbssRegion;
  timeoutMs: number;
  maxRetries: number;
  /** Keep successful answers this long; 0 turns the cache off. */
  cacheTtlMs: number;
  /** Server-side AK/SK (opt-in mode); when set, callers' tokens are not forwarded. */
  aksk?: { ak: string; sk: string; securityToken?: string };
  /** A fetch for core to send with. @default core's node:http transport */
  fetch?: FetchLike;
  /** Called once per HTTP attempt (metrics). */
  observe?: UpstreamObserver;
  /** Called when a call joins one already in flight (metrics). */
  onCoalesced?: () => void;
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
}

export interface CallerCredential {
  /** The IAM token to forward (token mode). */
  token?: string;
  /** Who the caller is (AK/SK mode): a stable id, never a secret. */
  callerId?: string;
}

const MAX_CLIENTS = 1000;
const MAX_CACHE = 10_000;

export class Upstream {
  readonly #opts: UpstreamOptions;
  readonly #clients = new Map<string, DbssClient>();
  readonly #inflight = new Map<string, Promise<UpstreamResult>>();
  readonly #cache = new Map<string, { at: number; value: UpstreamResult }>();

  constructor(opts: UpstreamOptions) {
    this.#opts = opts;
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /**
   * Lists buckets for the caller. Identical calls (same credential, region and project) that
   * overlap share one upstream request; calls with different credentials never do.
   */
  listObsBuckets(cred: CallerCredential, region: DbssRegion | undefined, projectId: string): Promise<UpstreamResult> {
    const who = cred.token ? `t:${digest(cred.token)}` : `k:${cred.callerId ?? ''}`;
    const key = `${who}|${region ?? ''}|${projectId}`;
    const ttl = this.#opts.cacheTtlMs;
    if (ttl > 0) {
      const hit = this.#cache.get(key);
      if (hit && Date.now() - hit.at < ttl) return Promise.resolve(hit.value);
    }
    const joined = this.#inflight.get(key);
    if (joined) {
      this.#opts.onCoalesced?.();
      return joined;
    }
    const client = this.#client(who, cred.token, region);
    const meta: UpstreamMeta = {};
    const observe = this.#opts.observe;
    // Core reports every attempt: the last one's status and request id go to the callers' logs.
    const onAttempt = (a: DbssAttempt) => {
      meta.status = a.status;
      meta.requestId = a.requestId;
      observe?.(
        a.status === undefined ? (a.failure === 'TIMEOUT' ? 'timeout' : 'error') : String(a.status),
        a.durationMs / 1000,
      );
    };
    const pending: Promise<UpstreamResult> = client
      .listObsBuckets({ projectId, onAttempt })
      .then(
        (buckets): UpstreamResult => ({ ok: true, buckets, meta }),
        (error): UpstreamResult => ({ ok: false, error, meta }),
      )
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, pending);
    if (ttl > 0) {
      void pending.then((result) => {
        if (!result.ok) return;
        if (this.#cache.size >= MAX_CACHE) this.#cache.delete(this.#cache.keys().next().value as string);
        this.#cache.set(key, { at: Date.now(), value: result });
      });
    }
    return pending;
  }

  #client(who: string, token: string | undefined, region: DbssRegion | undefined): DbssClient {
    const key = `${who}|${region ?? ''}`;
    let client = this.#clients.get(key);
    if (client) return client;
    const o = this.#opts;
    client = new DbssClient({
      region: region ?? o.defaultRegion,
      endpoint: o.endpoint,
      auth: o.aksk ? { type: 'aksk', ...o.aksk } : { type: 'token', token: token as string },
      timeoutMs: o.timeoutMs,
      maxRetries: o.maxRetries,
      fetch: o.fetch,
      retry: o.retry,
    });
    // A bounded pool: the oldest client goes first (Map keeps insertion order).
    if (this.#clients.size >= MAX_CLIENTS) this.#clients.delete(this.#clients.keys().next().value as string);
    this.#clients.set(key, client);
    return client;
  }
}

/** Keys are hashed so no token is held as a map key or could surface in a heap dump of keys. */
function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}
