import { signRequest } from '../../signer.js';
import { fingerprint } from './fingerprint.js';
import type { AuthRequest, AuthStrategy } from './types.js';

/** One set of AK/SK credentials; `securityToken` for temporary ones. */
export interface AkSk {
  ak: string;
  sk: string;
  securityToken?: string | undefined;
}

/** Where AK/SK come from: fixed, or renewed (ECS metadata). Synchronous while the cached set is fresh. */
export interface AkSkSource {
  current(signal?: AbortSignal): AkSk | Promise<AkSk>;
  /** Drops a cached set after a 401; true when asking again may help. */
  invalidate?(): boolean;
  readonly secrets: readonly string[];
  readonly fingerprint: string;
}

export function staticAkSk(creds: AkSk): AkSkSource {
  return {
    current: () => creds,
    secrets: creds.securityToken ? [creds.sk, creds.securityToken] : [creds.sk],
    fingerprint: fingerprint('aksk', creds.ak, creds.sk),
  };
}

/** AK/SK request signing (SDK-HMAC-SHA256), with X-Project-Id and, for temporary keys, X-Security-Token. */
export function akskAuth(source: AkSkSource, now: () => Date = () => new Date()): AuthStrategy {
  const sign = (req: AuthRequest, c: AkSk) => {
    if (req.projectId) req.headers['X-Project-Id'] = req.projectId;
    if (c.securityToken) req.headers['X-Security-Token'] = c.securityToken;
    const signed = signRequest({ method: req.method, url: req.url, headers: req.headers, body: req.body }, c, now());
    req.headers = signed.headers;
  };
  return {
    type: 'aksk',
    get secrets() {
      return source.secrets;
    },
    fingerprint: source.fingerprint,
    authenticate(req: AuthRequest) {
      const c = source.current(req.signal);
      if (c instanceof Promise) return c.then((creds) => sign(req, creds));
      sign(req, c);
    },
    invalidate: source.invalidate ? () => (source.invalidate as () => boolean)() : undefined,
  };
}
