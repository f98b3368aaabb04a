// IAM password login: POST {iam}/v3/auth/tokens, token in X-Subject-Token. Cached per project scope,
// renewed before expiry; concurrent callers share one login.
import { DbssProjectNotFoundError, DbssResponseError } from '../../errors.js';
import type { HttpResponse, SendRequest } from '../transport.js';
import { fingerprint } from './fingerprint.js';
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
  /** `token.project.id` of the login's answer. */
  projectId?: string | undefined;
  /** `X-IAM-Trace-Id` of the login's answer. */
  iamTraceId?: string | undefined;
}

const DAY = 24 * 60 * 60 * 1000;

export type PasswordStrategy = AuthStrategy & {
  logins: number;
  /** Logs in scoped to the project named `region`; its id (the token is kept for that project) and IAM's trace id. */
  discoverProjectId(region: string): Promise<{ projectId: string; iamTraceId: string | undefined }>;
};

export function passwordAuth(
  opts: PasswordAuthOptions,
  send: (req: SendRequest) => Promise<HttpResponse>,
): PasswordStrategy {
  const now = opts.now ?? (() => Date.now());
  const renewBefore = opts.renewBeforeMs ?? 5 * 60 * 1000;
  const cache = new Map<string, CachedToken>();
  const inflight = new Map<string, Promise<CachedToken>>();
  const url = new URL('v3/auth/tokens', opts.iamEndpoint.endsWith('/') ? opts.iamEndpoint : `${opts.iamEndpoint}/`);
  const strategy = {
    type: 'password' as const,
    secrets: [opts.password] as string[],
    fingerprint: fingerprint('password', opts.iamEndpoint, opts.domain, opts.user, opts.password),
    logins: 0,
    async authenticate(req: AuthRequest) {
      const key = opts.projectName ? `name:${opts.projectName}` : `id:${req.projectId}`;
      const scope = opts.projectName ? { name: opts.projectName } : { id: req.projectId as string };
      req.headers['X-Auth-Token'] = (await token(key, scope)).token;
    },
    async discoverProjectId(region: string) {
      const t = await token(`name:${region}`, { name: region });
      if (!t.projectId) throw new DbssProjectNotFoundError(region, { iamTraceId: t.iamTraceId });
      // The same token serves calls that name the project by id.
      if (!cache.has(`id:${t.projectId}`)) cache.set(`id:${t.projectId}`, t);
      return { projectId: t.projectId, iamTraceId: t.iamTraceId };
    },
    invalidate(projectId: string) {
      const key = opts.projectName ? `name:${opts.projectName}` : `id:${projectId}`;
      return cache.delete(key);
    },
  };

  async function token(key: string, scope: { id: string } | { name: string }) {
    let cached = cache.get(key);
    if (!cached || cached.expiresAt - now() < renewBefore) {
      let pending = inflight.get(key);
      if (!pending) {
        pending = login(scope).finally(() => inflight.delete(key));
        inflight.set(key, pending);
      }
      cached = await pending;
      cache.set(key, cached);
    }
    return cached;
  }

  async function login(scope: { id: string } | { name: string }): Promise<CachedToken> {
    strategy.logins++;
    const project = 'name' in scope ? { name: scope.name, domain: { name: opts.domain } } : { id: scope.id };
    const body = JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: opts.user, password: opts.password, domain: { name: opts.domain } } },
        },
        scope: { project },
      },
    });
    // Shared by every caller waiting for it, so no one caller's signal may cancel it.
    const res = await send({ method: 'POST', url, headers: { 'Content-Type': 'application/json;charset=utf8' }, body });
    const token = res.headers.get('x-subject-token');
    const iamTraceId = res.headers.get('x-iam-trace-id') ?? undefined;
    if (!token) {
      throw new DbssResponseError('IAM answered without an X-Subject-Token header', {
        status: res.status,
        requestId: res.headers.get('x-request-id') ?? undefined,
        rawBody: '',
        iamTraceId,
      });
    }
    // Keep the password and the most recent tokens for redaction; older tokens have expired.
    strategy.secrets.push(token);
    if (strategy.secrets.length > 17) strategy.secrets.splice(1, 1);
    let expiresAt = now() + DAY;
    let projectId: string | undefined;
    try {
      const parsed = JSON.parse(res.text) as { token?: { expires_at?: string; project?: { id?: unknown } } };
      const t = Date.parse(parsed.token?.expires_at ?? '');
      if (Number.isFinite(t)) expiresAt = t;
      if (typeof parsed.token?.project?.id === 'string') projectId = parsed.token.project.id;
    } catch {
      // The token header is what matters; a body we cannot read leaves the documented 24 h.
    }
    return { token, expiresAt, projectId, iamTraceId };
  }

  return strategy;
}
