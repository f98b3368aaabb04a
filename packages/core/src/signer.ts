// SDK-HMAC-SHA256 request signing, byte-compatible with @huaweicloud/huaweicloud-sdk-core's AKSKSigner.
import { createHash, createHmac } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Headers signed when they are sent; `host` and `x-sdk-date` are always signed. */
const OPTIONAL_SIGNED = ['content-type', 'x-project-id', 'x-security-token'] as const;

export interface AkSkCredentials {
  ak: string;
  sk: string;
}

export interface SignableRequest {
  method: string;
  /** Absolute URL as it will be sent. Path segments are percent-decoded, then encoded as RFC 3986. */
  url: string | URL;
  /** Headers to send. Of these, content-type, x-project-id and x-security-token are signed. */
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface SignedRequest {
  /** `headers` plus `X-Sdk-Date` and `Authorization`: everything to send. */
  headers: Record<string, string>;
  signedHeaders: string;
  canonicalRequest: string;
}

/** RFC 3986 unreserved characters stay, everything else is %XX (upper case) of its UTF-8 bytes. */
export function sdkUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `YYYYMMDDTHHmmssZ` in UTC. */
export function formatSdkDate(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

function canonicalUri(pathname: string): string {
  const encoded = pathname
    .split('/')
    .map((seg) => sdkUrlEncode(safeDecode(seg)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

function canonicalQuery(params: URLSearchParams): string {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of params) {
    const list = byKey.get(k);
    if (list) list.push(v);
    else byKey.set(k, [v]);
  }
  const out: string[] = [];
  for (const key of [...byKey.keys()].sort()) {
    for (const v of (byKey.get(key) as string[]).sort()) out.push(`${sdkUrlEncode(key)}=${sdkUrlEncode(v)}`);
  }
  return out.join('&');
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Signs a request for Huawei Cloud's API gateway. Returns every header to send; the caller
 * must send them unchanged and send the body it signed.
 */
export function signRequest(req: SignableRequest, creds: AkSkCredentials, date: Date = new Date()): SignedRequest {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const sdkDate = formatSdkDate(date);
  const given = req.headers ?? {};
  const lower = new Map<string, [name: string, value: string]>();
  for (const [name, value] of Object.entries(given)) lower.set(name.toLowerCase(), [name, value]);

  const signed: [string, string][] = [
    ['host', url.host],
    ['x-sdk-date', sdkDate],
  ];
  for (const name of OPTIONAL_SIGNED) {
    const entry = lower.get(name);
    if (entry) signed.push([name, entry[1]]);
  }
  signed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const signedHeaders = signed.map(([n]) => n).join(';');
  const canonicalHeaders = signed.map(([n, v]) => `${n}:${v}\n`).join('');
  const payloadHash = req.body === undefined || req.body.length === 0 ? EMPTY_SHA256 : sha256Hex(req.body);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const stringToSign = `${SIGNING_ALGORITHM}\n${sdkDate}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', creds.sk).update(stringToSign).digest('hex');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const l = name.toLowerCase();
    if (l !== 'x-sdk-date' && l !== 'authorization' && l !== 'host') headers[name] = value;
  }
  headers['X-Sdk-Date'] = sdkDate;
  headers.Authorization = `${SIGNING_ALGORITHM} Access=${creds.ak}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers, signedHeaders, canonicalRequest };
}
