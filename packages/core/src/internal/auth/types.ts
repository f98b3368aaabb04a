import type { SendRequest } from '../transport.js';

/** What a strategy sees of the request it authenticates. */
export interface AuthRequest extends SendRequest {
  /** The project the call is for; absent for IAM calls that find the project (discovery). */
  projectId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** One authentication mode. A new mode is one file implementing this. */
export interface AuthStrategy {
  readonly type: 'token' | 'aksk' | 'password';
  /** Adds credentials to `req.headers` (may perform I/O, e.g. an IAM login). */
  authenticate(req: AuthRequest): Promise<void> | void;
  /** Called after a 401 so a cached credential is dropped; returns true when a retry may succeed. */
  invalidate?(projectId: string): boolean;
  /** Secret values this strategy holds, for redaction. */
  readonly secrets: readonly string[];
  /** A stable, secret-free identity of the credential (a hash), for cache keys. */
  readonly fingerprint: string;
}
