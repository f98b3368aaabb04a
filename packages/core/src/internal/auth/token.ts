import { fingerprint } from './fingerprint.js';
import type { AuthRequest, AuthStrategy } from './types.js';

/** IAM token sent as `X-Auth-Token`, as the DBSS API page documents. */
export function tokenAuth(token: string): AuthStrategy {
  return {
    type: 'token',
    secrets: [token],
    fingerprint: fingerprint('token', token),
    authenticate(req: AuthRequest) {
      req.headers['X-Auth-Token'] = token;
    },
  };
}
