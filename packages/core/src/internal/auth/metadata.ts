// Temporary AK/SK from the ECS metadata service (`GET {base}/openstack/latest/securitykey`), as the
// official SDKs' metadata provider reads them: cached, renewed before `expires_at`, one renewal shared
// by every caller waiting for it.
import { DbssResponseError } from '../../errors.js';
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

interface Cached extends AkSk {
  expiresAt: number;
}

export function metadataAkSk(opts: MetadataOptions): AkSkSource & { fetches: number } {
  const now = opts.now ?? (() => Date.now());
  const renewBefore = opts.renewBeforeMs ?? 5 * 60 * 1000;
  const url = new URL(
    'openstack/latest/securitykey',
    opts.endpoint.endsWith('/') ? opts.endpoint : `${opts.endpoint}/`,
  );
  let cached: Cached | undefined;
  let inflight: Promise<Cached> | undefined;
  const secrets: string[] = [];

  async function fetchCredentials(): Promise<Cached> {
    source.fetches++;
    // Shared by every caller waiting for it, so no one caller's signal may cancel it.
    const res = await opts.send({ method: 'GET', url, headers: { Accept: 'application/json' } });
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
