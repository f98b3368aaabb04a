// IAM password login: POST {iam}/v3/auth/tokens, token in X-Subject-Token. Cached per project scope,
// renewed before expiry; concurrent callers share one login.
import { DbssResponseError } from '../../errors.js';
import type { HttpTransport } from '../http.js';
import type { AuthRequest, AuthStrategy } from './types.js';

export interface PasswordAuthOptions {
  user: string;
  password: string;
  domain: string;
  iamEndpoint: string;
  /** Scope the token to this project name instead of the call's project id. */
  projectName?: string;
  /** Renew when less than this is left. @default 300000 (5 min) */
  renewBeforeMs?: number;
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

const DAY = 24 * 60 * 60 * 1000;

export function passwordAuth(opts: PasswordAuthOptions, http: HttpTransport): AuthStrategy & { logins: number } {
  const now = opts.now ?? (() => Date.now());
  const renewBefore = opts.renewBeforeMs ?? 5 * 60 * 1000;
  const cache = new Map<string, CachedToken>();
  const inflight = new Map<string, Promise<CachedToken>>();
  const url = new URL('v3/auth/tokens', opts.iamEndpoint.endsWith('/') ? opts.iamEndpoint : `${opts.iamEndpoint}/`);
  const strategy = {
    type: 'password',
    secrets: [opts.password] as string[],
    logins: 0,
    async authenticate(req: AuthRequest) {
      const key = opts.projectName ? `name:${opts.projectName}` : `id:${req.projectId}`;
      let cached = cache.get(key);
      if (!cached || cached.expiresAt - now() < renewBefore) {
        let pending = inflight.get(key);
        if (!pending) {
          pending = login(req.projectId).finally(() => inflight.delete(key));
          inflight.set(key, pending);
        }
        cached = await pending;
        cache.set(key, cached);
      }
      req.headers['X-Auth-Token'] = cached.token;
    },
    invalidate(projectId: string) {
      const key = opts.projectName ? `name:${opts.projectName}` : `id:${projectId}`;
      return cache.delete(key);
    },
  };

  async function login(projectId: string): Promise<CachedToken> {
    strategy.logins++;
    const project = opts.projectName ? { name: opts.projectName, domain: { name: opts.domain } } : { id: projectId };
    const body = JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: opts.user, password: opts.password, domain: { name: opts.domain } } },
        },
        scope: { project },
      },
    });
    const res = await http.send({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/json;charset=utf8' },
      body,
    });
    const token = res.headers.get('x-subject-token');
    if (!token) {
      throw new DbssResponseError('IAM answered without an X-Subject-Token header', {
        status: res.status,
        requestId: res.headers.get('x-request-id') ?? undefined,
        rawBody: '',
      });
    }
    // Keep the password and the most recent tokens for redaction; older tokens have expired.
    strategy.secrets.push(token);
    if (strategy.secrets.length > 17) strategy.secrets.splice(1, 1);
    let expiresAt = now() + DAY;
    try {
      const parsed = JSON.parse(res.text) as { token?: { expires_at?: string } };
      const t = Date.parse(parsed.token?.expires_at ?? '');
      if (Number.isFinite(t)) expiresAt = t;
    } catch {
      // The token header is what matters; a body we cannot read leaves the documented 24 h.
    }
    return { token, expiresAt };
  }

  return strategy;
}
