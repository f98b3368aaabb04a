/** What a strategy sees of the request it authenticates. */
export interface AuthRequest {
  method: string;
  url: URL;
  projectId: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

/** One authentication mode. A new mode is one file implementing this. */
export interface AuthStrategy {
  readonly type: string;
  /** Adds credentials to `req.headers` (may perform I/O, e.g. an IAM login). */
  authenticate(req: AuthRequest): Promise<void> | void;
  /** Called after a 401 so a cached credential is dropped; returns true when a retry may succeed. */
  invalidate?(projectId: string): boolean;
  /** Secret values this strategy holds, for redaction. */
  readonly secrets: readonly string[];
}
