// Independent SDK-HMAC-SHA256 verification of a received request (deliberately not core's signer:
// the emulator checks the client, so it must not share the client's code).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface ParsedAuthorization {
  ak: string;
  signedHeaders: string[];
  signature: string;
}

/** An Authorization header that claims to be an AK/SK signature (valid or not). */
export const SIGNED_AUTHORIZATION = /^SDK-HMAC-SHA256\s/;

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
    header ?? '',
  );
  if (!m) return undefined;
  return { ak: m[1] as string, signedHeaders: (m[2] as string).split(';'), signature: m[3] as string };
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** decodeURIComponent that leaves a malformed escape as it is. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `YYYYMMDDTHHmmssZ` → epoch ms, or NaN. */
export function parseSdkDate(value: string | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
}

export function expectedSignature(req: IncomingMessage, body: Buffer, auth: ParsedAuthorization, sk: string): string {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  let uri = path
    .split('/')
    .map((seg) => enc(safeDecode(seg)))
    .join('/');
  if (!uri.endsWith('/')) uri += '/';
  const params = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  const keys = [...new Set(params.keys())].sort();
  const query = keys
    .flatMap((k) =>
      params
        .getAll(k)
        .sort()
        .map((v) => `${enc(k)}=${enc(v)}`),
    )
    .join('&');
  const headers = auth.signedHeaders
    .map((name) => {
      const v = req.headers[name];
      return `${name}:${Array.isArray(v) ? v.join(',') : (v ?? '')}\n`;
    })
    .join('');
  // The official SDKs send `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for non-JSON bodies and sign that literal.
  const declared = req.headers['x-sdk-content-sha256'];
  const payload =
    declared === 'UNSIGNED-PAYLOAD' && auth.signedHeaders.includes('x-sdk-content-sha256')
      ? declared
      : createHash('sha256').update(body).digest('hex');
  const canonical = [req.method, uri, query, headers, auth.signedHeaders.join(';'), payload].join('\n');
  const date = String(req.headers['x-sdk-date'] ?? '');
  const toSign = `SDK-HMAC-SHA256\n${date}\n${createHash('sha256').update(canonical).digest('hex')}`;
  return createHmac('sha256', sk).update(toSign).digest('hex');
}

export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
