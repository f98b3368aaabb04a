import { fingerprint } from './fingerprint.js';
import type { AuthRequest, AuthStrategy } from './types.js';

/** IAM token sent as `X-Auth-Token`, as the DBSS API page documents. */
export function tokenAuth(token: string): AuthStrategy {
  // Hashed on first use (discovery's cache key): the gateway makes a token client per request, and
  // most never need it.
  let print: string | undefined;
  return {
    type: 'token',
    secrets: [token],
    get fingerprint() {
      print ??= fingerprint('token', token);
      return print;
    },
    authenticate(req: AuthRequest) {
      req.headers['X-Auth-Token'] = token;
    },
  };
}
