// Who is calling: one decision for every authenticated route.
//
// Rules (the documented behaviour):
// - An `Authorization: SDK-HMAC-SHA256 …` header decides on its own. If the signature (or its date,
//   or its security token) is not valid the request is refused with APIGW.0301, whatever else it
//   carries; a valid X-Auth-Token beside a bad signature does not rescue it.
// - A temporary AK is accepted only with its own X-Security-Token and only until it expires; a
//   permanent AK is refused when any X-Security-Token comes with it.
// - Otherwise `X-Auth-Token` must be a known, unexpired token.
import type { IncomingMessage } from 'node:http';
import type { CredentialStore, Principal } from './credentials.js';
import {
  expectedSignature,
  parseAuthorization,
  parseSdkDate,
  SIGNED_AUTHORIZATION,
  signatureMatches,
} from './verify.js';

export type AuthResult =
  | { ok: true; principal: Principal; via: 'token' | 'aksk' | 'temporary' }
  /** The signature path failed: the route answers 401 APIGW.0301 with `reason`. */
  | { ok: false; kind: 'signature'; reason: string }
  /** No usable token (or no credential at all): the route answers its own 401. */
  | { ok: false; kind: 'token' };

export interface AuthSettings {
  store: CredentialStore;
  now: () => number;
  /** Accepted difference between X-Sdk-Date and the emulator's clock. */
  clockSkewMs: number;
}

/** The credential that decides for a request (the rules above): the one place this is chosen. */
export type DecidingCredential =
  | { kind: 'signature'; authorization: string }
  | { kind: 'token'; token: string }
  | { kind: 'none' };

export function decidingCredential(req: IncomingMessage): DecidingCredential {
  const authorization = req.headers.authorization;
  const token = req.headers['x-auth-token'];
  if (authorization !== undefined && (SIGNED_AUTHORIZATION.test(authorization) || typeof token !== 'string')) {
    return { kind: 'signature', authorization };
  }
  if (typeof token === 'string') return { kind: 'token', token };
  return { kind: 'none' };
}

export function authenticate(req: IncomingMessage, body: Buffer, s: AuthSettings): AuthResult {
  const credential = decidingCredential(req);
  if (credential.kind === 'signature') return verifySigned(req, body, credential.authorization, s);
  if (credential.kind === 'token') {
    const principal = s.store.token(credential.token);
    return principal ? { ok: true, principal, via: 'token' } : { ok: false, kind: 'token' };
  }
  return { ok: false, kind: 'token' };
}

function verifySigned(req: IncomingMessage, body: Buffer, authorization: string, s: AuthSettings): AuthResult {
  const fail = (reason: string): AuthResult => ({ ok: false, kind: 'signature', reason });
  const parsed = parseAuthorization(authorization);
  const key = parsed && s.store.key(parsed.ak);
  if (!parsed || !key) return fail('verify aksk signature fail');
  if (!parsed.signedHeaders.includes('host') || !parsed.signedHeaders.includes('x-sdk-date'))
    return fail('host and x-sdk-date must be signed');
  const date = parseSdkDate(req.headers['x-sdk-date'] as string | undefined);
  if (!Number.isFinite(date)) return fail('x-sdk-date is missing or not YYYYMMDDTHHmmssZ');
  if (Math.abs(s.now() - date) > s.clockSkewMs) return fail('x-sdk-date expired');
  if (!signatureMatches(expectedSignature(req, body, parsed, key.sk), parsed.signature))
    return fail('verify aksk signature fail');
  const securityToken = req.headers['x-security-token'];
  if (!key.temporary) {
    if (securityToken !== undefined) return fail('a permanent access key must not carry a security token');
    return { ok: true, principal: { projects: key.projects }, via: 'aksk' };
  }
  if (securityToken !== key.temporary.securityToken) return fail('the security token is missing or invalid');
  if (s.now() >= key.temporary.expiresAt) return fail('the temporary access key has expired');
  return { ok: true, principal: { projects: key.projects }, via: 'temporary' };
}
