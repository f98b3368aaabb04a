// Temporary AK/SK from the ECS metadata service (`GET {base}/openstack/latest/securitykey`), as the
// official SDKs' metadata provider reads them: cached, renewed before `expires_at`, one renewal shared
// by every caller waiting for it. Metadata v2 first, as they do: `PUT {base}/meta-data/latest/api/token`
// (X-Metadata-Token-Ttl-Seconds: 21600) gives a session token sent as X-Metadata-Token, kept for its TTL;
// a service that answers the PUT 404 or 405 (v1 only) is read without one.
import { DbssApiError, DbssAuthenticationError, DbssResponseError } from '../../errors.js';
import type { HttpResponse, SendRequest } from '../transport.js';
import type { AkSk, AkSkSource } from './aksk.js';
import { fingerprint } from './fingerprint.js';

export interface MetadataOptions {
  /** Base URL of the metadata service, e.g. http://169.254.169.254/ */
  endpoint: string;
  send: (req: SendRequest) => Promise<HttpResponse>;
  /** Renew when less than this is left. @default 300000 (5 min) */
  renewBeforeMs?: number;
  now?: () => number;
}

/** Session token lifetime asked of the metadata service, in seconds (what the official SDKs ask). */
export const METADATA_TOKEN_TTL_SECONDS = 21_600;

interface Cached extends AkSk {
  expiresAt: number;
}

export function metadataAkSk(opts: MetadataOptions): AkSkSource & { fetches: number; tokenFetches: number } {
  const now = opts.now ?? (() => Date.now());
  const renewBefore = opts.renewBeforeMs ?? 5 * 60 * 1000;
  const base = opts.endpoint.endsWith('/') ? opts.endpoint : `${opts.endpoint}/`;
  const url = new URL('openstack/latest/securitykey', base);
  const tokenUrl = new URL('meta-data/latest/api/token', base);
  let cached: Cached | undefined;
  let inflight: Promise<Cached> | undefined;
  /** The v2 session token and until when to use it (undefined token: the service is v1 only). */
  let session: { token: string | undefined; until: number } | undefined;
  const secrets: string[] = [];

  async function sessionToken(): Promise<string | undefined> {
    if (session && session.until > now()) return session.token;
    source.tokenFetches++;
    const ttl = METADATA_TOKEN_TTL_SECONDS;
    // Used a minute less than granted, so it never expires on the way.
    const until = now() + (ttl - 60) * 1000;
    try {
      const res = await opts.send({
        method: 'PUT',
        url: tokenUrl,
        headers: { 'X-Metadata-Token-Ttl-Seconds': String(ttl), Accept: 'text/plain' },
      });
      const token = res.text.trim();
      if (!token)
        throw new DbssResponseError(
          `The ECS metadata service (${url.origin}) answered the token PUT with an empty body`,
          { status: res.status, requestId: res.headers.get('x-request-id') ?? undefined, rawBody: '' },
        );
      secrets.push(token);
      session = { token, until };
    } catch (err) {
      // A v1-only service: go on without a token, as the official SDKs do.
      if (!(err instanceof DbssApiError && (err.status === 404 || err.status === 405))) throw err;
      session = { token: undefined, until };
    }
    return session.token;
  }

  async function fetchCredentials(): Promise<Cached> {
    source.fetches++;
    // Shared by every caller waiting for it, so no one caller's signal may cancel it.
    const get = async () => {
      const token = await sessionToken();
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (token) headers['X-Metadata-Token'] = token;
      return opts.send({ method: 'GET', url, headers });
    };
    let res: HttpResponse;
    try {
      res = await get();
    } catch (err) {
      // A session token the service no longer knows (restarted, expired early): one new token, once.
      if (!(err instanceof DbssAuthenticationError) || !session?.token) throw err;
      session = undefined;
      res = await get();
    }
    const invalid = (why: string) =>
      new DbssResponseError(`The ECS metadata service (${url.origin}) answered ${why}`, {
        status: res.status,
        requestId: res.headers.get('x-request-id') ?? undefined,
        rawBody: '', // the body holds credentials: never attached
      });
    let body: { credential?: Record<string, unknown> } | undefined;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw invalid('with a body that is not JSON');
    }
    const c = body?.credential;
    const { access, secret, securitytoken, expires_at } = c ?? {};
    const expiresAt = typeof expires_at === 'string' ? Date.parse(expires_at) : Number.NaN;
    if (
      typeof access !== 'string' ||
      !access ||
      typeof secret !== 'string' ||
      !secret ||
      typeof securitytoken !== 'string' ||
      !securitytoken ||
      !Number.isFinite(expiresAt)
    ) {
      throw invalid('without credential.access, secret, securitytoken and an RFC 3339 expires_at');
    }
    // Keep the latest few secrets for redaction; older ones have expired.
    secrets.push(secret, securitytoken);
    if (secrets.length > 8) secrets.splice(0, secrets.length - 8);
    return { ak: access, sk: secret, securityToken: securitytoken, expiresAt };
  }

  const source = {
    fetches: 0,
    tokenFetches: 0,
    secrets,
    fingerprint: fingerprint('ecs-metadata', url.href),
    current(): AkSk | Promise<AkSk> {
      if (cached && cached.expiresAt - now() > renewBefore) return cached;
      if (!inflight) {
        inflight = fetchCredentials().then(
          (c) => {
            cached = c;
            inflight = undefined;
            return c;
          },
          (err) => {
            inflight = undefined;
            throw err;
          },
        );
      }
      return inflight;
    },
    invalidate() {
      cached = undefined;
      return true;
    },
  };
  return source;
}
