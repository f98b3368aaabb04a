// The record of received requests that tests read: credentials redacted, tokens only as fingerprints.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RouteName } from './answer.js';
import { decidingCredential } from './auth.js';
import { parseAuthorization } from './verify.js';

export interface RecordedRequest {
  seq: number;
  time: number;
  method: string;
  path: string;
  /** Which emulated route answered (absent for an unknown route). */
  route?: RouteName;
  projectId?: string;
  /** Received headers; credential values are replaced by "[REDACTED]". */
  headers: Record<string, string>;
  /** How the caller authenticated; `temporary` is set for a temporary AK (metadata credentials). */
  auth: { type: 'token' | 'aksk' | 'none'; tokenFingerprint?: string; ak?: string; temporary?: boolean };
  /** Status sent; 0 when the connection was reset by a fault. */
  status: number;
  requestId: string;
}

/** First 12 hex chars of sha256(token): lets tests tell which token was sent without storing it. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

const REDACT = new Set([
  'authorization',
  'x-auth-token',
  'x-security-token',
  'x-subject-token',
  'x-metadata-token',
  'cookie',
]);

/** How a request authenticated, as the auth rules read it: a signature decides over a token. */
export function describeAuth(req: IncomingMessage, isTemporary: (ak: string) => boolean): RecordedRequest['auth'] {
  const credential = decidingCredential(req);
  if (credential.kind === 'signature') {
    const ak = parseAuthorization(credential.authorization)?.ak;
    if (ak === undefined) return { type: 'aksk' };
    return isTemporary(ak) ? { type: 'aksk', ak, temporary: true } : { type: 'aksk', ak };
  }
  if (credential.kind === 'token') return { type: 'token', tokenFingerprint: tokenFingerprint(credential.token) };
  return { type: 'none' };
}

export class Recorder {
  private records: RecordedRequest[] = [];
  private seq = 0;
  /** Requests received (counted on arrival, before any programmed delay). */
  received = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {}

  get requests(): readonly RecordedRequest[] {
    return this.records;
  }

  record(req: IncomingMessage, r: Omit<RecordedRequest, 'seq' | 'time' | 'method' | 'path' | 'headers'>): void {
    this.seq++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = REDACT.has(k) ? '[REDACTED]' : Array.isArray(v) ? v.join(', ') : v;
    }
    this.records.push({
      seq: this.seq,
      time: this.now(),
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      ...r,
    });
    // shift, not slice: a full record costs O(1) per request, not O(limit).
    if (this.records.length > this.limit) this.records.shift();
  }

  reset(): void {
    this.records = [];
    this.seq = 0;
    this.received = 0;
  }
}
