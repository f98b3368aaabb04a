// Who is calling: the IAM token to forward (token mode), or which gateway API key was presented
// (AK/SK mode, where the gateway signs with its own keys and never serves an anonymous caller).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { CallerCredential, GatewayContext } from './context.js';

export interface CredentialsOptions {
  mode: 'token' | 'aksk';
  /** Keys callers present in AK/SK mode (Authorization: Bearer <key> or X-Api-Key). */
  apiKeys?: readonly string[];
}

const sha256 = (key: string) => createHash('sha256').update(key).digest();

export function useCredentials(opts: CredentialsOptions): Plugin<GatewayContext> {
  // Compared as hashes in constant time; the id (a hash prefix) is what logs and cache keys see.
  const keys = (opts.apiKeys ?? []).map((k) => ({ hash: sha256(k), id: sha256(k).toString('hex').slice(0, 12) }));

  function credentialOf(headers: Headers): CallerCredential | undefined {
    const authz = headers.get('authorization');
    const bearer = authz ? /^Bearer\s+(\S+)$/i.exec(authz)?.[1] : undefined;
    if (opts.mode === 'token') {
      const token = headers.get('x-auth-token')?.trim() || bearer;
      return token ? { token } : undefined;
    }
    const presented = bearer || headers.get('x-api-key');
    if (!presented) return undefined;
    const h = sha256(presented);
    const match = keys.find((k) => timingSafeEqual(k.hash, h));
    return match ? { callerId: match.id } : undefined;
  }

  return {
    onContextBuilding({ context, extendContext }) {
      const request = (context as { request?: Request }).request;
      extendContext({ credential: request ? credentialOf(request.headers) : undefined });
    },
  };
}
