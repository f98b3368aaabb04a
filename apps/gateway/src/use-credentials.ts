// Who is calling: the IAM token to forward (token mode), or which gateway API key was presented
// (AK/SK mode, where the gateway signs with its own keys and never serves an anonymous caller), with
// the projects and regions that key may read.
import { createHash, timingSafeEqual } from 'node:crypto';
import { DbssConfigError } from '@dbss-obs/core';
import type { Plugin } from 'graphql-yoga';
import type { CallerCredential, GatewayContext, KeyScope } from './context.js';

/** A gateway API key as GATEWAY_API_KEYS_FILE lists it: its SHA-256, never the key. */
export interface ApiKey {
  /** What the access log names the key by. */
  name: string;
  /** Lower-case hex SHA-256 of the key. */
  sha256: string;
  /** Project ids the key may read. @default every project */
  projects?: readonly string[];
  /** Regions the key may read (a query without `region` is judged in the gateway's default region). @default every region */
  regions?: readonly string[];
}

export interface CredentialsOptions {
  mode: 'token' | 'aksk';
  /** Unscoped keys callers present in AK/SK mode (Authorization: Bearer <key> or X-Api-Key), named `GATEWAY_API_KEYS#<position>`. */
  apiKeys?: readonly string[];
  /** Named keys by hash, each with its scope. */
  scopedApiKeys?: readonly ApiKey[];
}

interface KnownKey {
  hash: Buffer;
  credential: CallerCredential;
}

const sha256 = (key: string) => createHash('sha256').update(key).digest();

/** The gateway's keys, hashed once; the credential of each is built once and shared by its requests. */
function knownKeys(opts: CredentialsOptions): KnownKey[] {
  const known = (hash: Buffer, name: string, scope?: KeyScope): KnownKey => ({
    hash,
    // The id (a hash prefix) is what cache and rate-limit keys see; the name is what the log sees.
    credential: { callerId: hash.toString('hex').slice(0, 12), keyName: name, ...(scope ? { scope } : {}) },
  });
  const keys = (opts.apiKeys ?? []).map((k, i) => known(sha256(k), `GATEWAY_API_KEYS#${i + 1}`));
  for (const k of opts.scopedApiKeys ?? []) {
    if (!/^[0-9a-fA-F]{64}$/.test(k.sha256))
      throw new DbssConfigError(`API key "${k.name}": sha256 must be 64 hex digits.`, {
        variable: 'GATEWAY_API_KEYS_FILE',
      });
    const scope: KeyScope | undefined =
      k.projects || k.regions
        ? {
            ...(k.projects ? { projects: new Set(k.projects) } : {}),
            ...(k.regions ? { regions: new Set(k.regions) } : {}),
          }
        : undefined;
    keys.push(known(Buffer.from(k.sha256, 'hex'), k.name, scope));
  }
  return keys;
}

export function useCredentials(opts: CredentialsOptions): Plugin<GatewayContext> {
  const keys = knownKeys(opts);

  /** Every key is compared (in constant time, as hashes), whichever matches: no timing says which or where. */
  function keyFor(presented: string): CallerCredential | undefined {
    const h = sha256(presented);
    let match: CallerCredential | undefined;
    for (const k of keys) if (timingSafeEqual(k.hash, h) && !match) match = k.credential;
    return match;
  }

  function credentialOf(headers: Headers): CallerCredential | undefined {
    const authz = headers.get('authorization');
    const bearer = authz ? /^Bearer\s+(\S+)$/i.exec(authz)?.[1] : undefined;
    if (opts.mode === 'token') {
      const token = headers.get('x-auth-token')?.trim() || bearer;
      return token ? { token } : undefined;
    }
    const presented = bearer || headers.get('x-api-key');
    return presented ? keyFor(presented) : undefined;
  }

  return {
    // Read at execution, not when the context is built: the client address limit (useClientLimit,
    // registered before this plugin) has then already counted the request, so no credential (a token
    // to keep, a key to hash and compare) is read for a request that limit refuses.
    onExecute({ context, extendContext }) {
      const request = (context as { request?: Request }).request;
      const credential = request ? credentialOf(request.headers) : undefined;
      const trace = (context as Partial<GatewayContext>).trace;
      if (credential?.keyName && trace) trace.apiKey = credential.keyName;
      extendContext({ credential });
    },
  };
}

/**
 * Why a key may not make this call (its scope does not hold the region or the project), or undefined
 * when it may. `region` is the query's, else the gateway's default; checked before any upstream call.
 */
export function scopeRefusal(
  credential: CallerCredential,
  region: string | undefined,
  projectId: string | undefined,
): string | undefined {
  const scope = credential.scope;
  if (!scope) return undefined;
  const key = `The API key "${credential.keyName}"`;
  if (scope.regions && !(region && scope.regions.has(region)))
    return region
      ? `${key} may not read region ${region}.`
      : `${key} is limited to some regions and the gateway has no default region: pass region.`;
  if (scope.projects && !(projectId && scope.projects.has(projectId)))
    return projectId
      ? `${key} may not read project ${projectId}.`
      : `${key} is limited to some projects: pass projectId.`;
  return undefined;
}
