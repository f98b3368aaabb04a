import { signRequest } from '../../signer.js';
import type { AuthRequest, AuthStrategy } from './types.js';

/** AK/SK request signing (SDK-HMAC-SHA256), with X-Project-Id and, for temporary keys, X-Security-Token. */
export function akskAuth(
  ak: string,
  sk: string,
  securityToken?: string,
  now: () => Date = () => new Date(),
): AuthStrategy {
  return {
    type: 'aksk',
    secrets: securityToken ? [sk, securityToken] : [sk],
    authenticate(req: AuthRequest) {
      req.headers['X-Project-Id'] = req.projectId;
      if (securityToken) req.headers['X-Security-Token'] = securityToken;
      const signed = signRequest(
        { method: req.method, url: req.url, headers: req.headers, body: req.body },
        { ak, sk },
        now(),
      );
      req.headers = signed.headers;
    },
  };
}
