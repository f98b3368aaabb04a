import { configFromEnv, type DbssAuth, ENV_LABELS, type Env, resolveConfig } from './config.js';
import {
  DbssApiError,
  DbssAuthenticationError,
  type DbssError,
  DbssResponseError,
  DbssValidationError,
} from './errors.js';
import { akskAuth } from './internal/auth/aksk.js';
import { passwordAuth } from './internal/auth/password.js';
import { tokenAuth } from './internal/auth/token.js';
import type { AuthRequest, AuthStrategy } from './internal/auth/types.js';
import { createFetchTransport, type FetchLike, type HttpTransport } from './internal/http.js';
import { createNodeTransport } from './internal/node-transport.js';
import { createRedactor, type Redactor } from './internal/redact.js';
import { DEFAULT_RETRY, type RetryPolicy, retryDelay, shouldRetry } from './internal/retry.js';
import type { DbssRegion } from './regions.js';
import { assertProjectId } from './validate.js';

export type { DbssAuth, FetchLike };

/** One bucket a project may back audit logs up into. */
export interface ObsBucket {
  bucketName: string;
  /** The bucket's OBS region; not necessarily a DBSS region. */
  location: string;
}

export interface DbssClientOptions {
  /** DBSS region id; picks `https://dbss.{region}.myhuaweicloud.com`. Required unless `endpoint` is set. */
  region?: string;
  /** Base URL that overrides the region's endpoint (the emulator, a proxy). @default the region's endpoint */
  endpoint?: string;
  /** How to authenticate: IAM token, AK/SK signing, or IAM password login. */
  auth: DbssAuth;
  /** Project used when a call names none. @default undefined */
  projectId?: string;
  /** Per-attempt timeout in milliseconds. @default 10000 */
  timeoutMs?: number;
  /** Retries after the first attempt (GET only; connection errors, timeouts, 429, 5xx). @default 2 */
  maxRetries?: number;
  /** Back-off bounds. @default { baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 } */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  /** A fetch to send requests with. @default undefined: node:http(s) with keep-alive agents */
  fetch?: FetchLike;
  /** IAM base URL for project discovery (and password login). @default `https://iam.{region}.myhuaweicloud.com` */
  iamEndpoint?: string;
  /** Receives debug lines (which credential source won, discovery); never a secret. @default undefined */
  logger?: DbssLogger;
}

/** Where debug lines go; `console` fits. */
export interface DbssLogger {
  debug(message: string): void;
}

/** Where the client's credentials came from (see `DbssClient.fromEnv`). */
export type DbssCredentialSource = 'options' | 'env:token' | 'env:aksk' | 'env:password' | 'profile' | 'ecs-metadata';

/** What `describe()` tells: where things came from, never a secret. */
export interface DbssClientDescription {
  region?: string;
  endpoint: string;
  authType: 'token' | 'aksk' | 'password';
  credentialSource: DbssCredentialSource;
  projectId?: string;
  projectIdSource?: 'options' | 'env' | 'profile' | 'discovery';
}

/** One HTTP attempt of a call, as reported to `onAttempt`. */
export interface DbssAttempt {
  /** HTTP status, or undefined when there was no answer (connection error, timeout, abort). */
  status?: number;
  /** The `X-Request-Id` DBSS answered with. */
  requestId?: string;
  durationMs: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** Why an attempt without an answer failed: `CONNECTION_ERROR`, `TIMEOUT` or `ABORTED`. */
  failure?: string;
}

export interface ListObsBucketsParams {
  /** @default the client's `projectId`; without one, discovered from the region (cached per credential + region) */
  projectId?: string;
  signal?: AbortSignal;
  /** Called after every HTTP attempt (retries included): for logs and metrics. @default undefined */
  onAttempt?: (attempt: DbssAttempt) => void;
  /** Per-attempt timeout for this call. @default the client's `timeoutMs` */
  timeoutMs?: number;
  /**
   * Extra request headers for every attempt of this call, e.g. `traceparent`, `tracestate`. Not signed.
   * Authentication headers (Authorization, X-Auth-Token, X-Sdk-Date, X-Project-Id, X-Security-Token, Host)
   * are refused with a DbssValidationError. @default undefined
   */
  headers?: Record<string, string>;
}

const USER_AGENT = 'dbss-obs/0.1 (+@dbss-obs/core)';

/** Headers a caller may not set through `headers`: authentication belongs to the client. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'x-auth-token',
  'x-sdk-date',
  'x-project-id',
  'x-security-token',
  'host',
  'content-length',
]);

/** What a client and the clients made by `withAuth` have in common. */
interface Shared {
  http: HttpTransport;
  retry: RetryPolicy;
  logger: DbssLogger | undefined;
  redactors: Set<() => readonly string[]>;
}

const SHARED = Symbol('dbss-obs.shared');
type InternalOptions = DbssClientOptions & { [SHARED]?: Shared };

export class DbssClient {
  readonly region: DbssRegion | undefined;
  readonly endpoint: string;
  readonly authType: DbssClientDescription['authType'];
  readonly projectId: string | undefined;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly #options: DbssClientOptions;
  readonly #auth: AuthStrategy;
  readonly #shared: Shared;
  readonly #base: URL;
  #credentialSource: DbssCredentialSource = 'options';
  #projectIdSource: DbssClientDescription['projectIdSource'];

  constructor(options: DbssClientOptions) {
    const cfg = resolveConfig(options ?? ({} as DbssClientOptions));
    this.#options = options;
    this.region = cfg.region;
    this.endpoint = cfg.baseUrl.href;
    this.authType = cfg.auth.type;
    this.projectId = cfg.projectId;
    this.#projectIdSource = cfg.projectId ? 'options' : undefined;
    this.timeoutMs = cfg.timeoutMs;
    this.maxRetries = cfg.maxRetries;
    this.#base = cfg.baseUrl;
    const inherited = (options as InternalOptions)[SHARED];
    if (inherited) this.#shared = inherited;
    else {
      const redactors = new Set<() => readonly string[]>();
      // Strategies add secrets as they learn them (an issued IAM token), so redaction reads them late.
      const redact: Redactor = (text) => createRedactor([...redactors].flatMap((r) => r()))(text);
      this.#shared = {
        http: options.fetch
          ? createFetchTransport(options.fetch, cfg.timeoutMs, redact)
          : createNodeTransport(cfg.timeoutMs, redact),
        retry: { ...DEFAULT_RETRY, ...stripUndefined(options.retry ?? {}), maxRetries: cfg.maxRetries },
        logger: options.logger,
        redactors,
      };
    }
    const a = cfg.auth;
    if (a.type === 'token') this.#auth = tokenAuth(a.token);
    else if (a.type === 'aksk') this.#auth = akskAuth(a.ak, a.sk, a.securityToken);
    else {
      const { user, password, domain, projectName } = a;
      const iamEndpoint = cfg.iamEndpoint as string;
      this.#auth = passwordAuth({ user, password, domain, projectName, iamEndpoint }, this.#shared.http);
    }
    const auth = this.#auth;
    this.#shared.redactors.add(() => auth.secrets);
  }

  /** Builds a client from the DESIGN.md variables; a wrong value fails naming its variable. */
  static fromEnv(env: Env = process.env, overrides: Partial<DbssClientOptions> = {}): DbssClient {
    const input = { ...configFromEnv(env), ...stripUndefined(overrides) };
    resolveConfig(input, ENV_LABELS); // fail with the variable's name, not the option's
    const client = new DbssClient(input as DbssClientOptions);
    if (!overrides.auth) {
      const a = input.auth as DbssAuth;
      client.#credentialSource = a.type === 'token' ? 'env:token' : a.type === 'aksk' ? 'env:aksk' : 'env:password';
    }
    if (client.projectId && !overrides.projectId) client.#projectIdSource = 'env';
    client.#shared.logger?.debug(`dbss-obs: credentials from ${client.#credentialSource}`);
    return client;
  }

  /**
   * A client with other credentials that shares this one's transport (connections), caches and
   * retry policy: cheap enough to make per request (the gateway does, per caller token).
   */
  withAuth(auth: DbssAuth): DbssClient {
    const child = new DbssClient({ ...this.#options, auth, [SHARED]: this.#shared } as InternalOptions);
    child.#projectIdSource = this.#projectIdSource;
    return child;
  }

  /** Where the region, credentials and project id came from. Never holds a secret. */
  describe(): DbssClientDescription {
    const d: DbssClientDescription = {
      endpoint: this.endpoint,
      authType: this.authType,
      credentialSource: this.#credentialSource,
    };
    if (this.region) d.region = this.region;
    if (this.projectId) {
      d.projectId = this.projectId;
      d.projectIdSource = this.#projectIdSource;
    }
    return d;
  }

  /** The project id calls use when they name none: the configured one. */
  async resolveProjectId(_opts: { signal?: AbortSignal } = {}): Promise<string> {
    assertProjectId(this.projectId);
    return this.projectId;
  }

  /** Lists the OBS buckets `projectId` may back audit logs up into. */
  async listObsBuckets(params: ListObsBucketsParams = {}): Promise<ObsBucket[]> {
    const projectId = params.projectId ?? this.projectId;
    assertProjectId(projectId);
    if (params.timeoutMs !== undefined && (!Number.isInteger(params.timeoutMs) || params.timeoutMs <= 0)) {
      throw new DbssValidationError(
        `timeoutMs must be a positive whole number of milliseconds (got ${params.timeoutMs}).`,
        {
          field: 'timeoutMs',
        },
      );
    }
    if (params.headers) checkHeaders(params.headers);
    const url = new URL(`v2/${projectId}/audit/backup/obs-buckets`, this.#base);
    const res = await this.#request('GET', url, projectId, params);
    return parseObsList(res.text, res.status, res.headers.get('x-request-id') ?? undefined);
  }

  async #request(method: string, url: URL, projectId: string, params: ListObsBucketsParams) {
    let reauthenticated = false;
    const retry = this.#shared.retry;
    for (let attempt = 0; ; attempt++) {
      const req: AuthRequest = {
        method,
        url,
        projectId,
        headers: params.headers
          ? { ...params.headers, Accept: 'application/json', 'User-Agent': USER_AGENT }
          : { Accept: 'application/json', 'User-Agent': USER_AGENT },
        signal: params.signal,
      };
      try {
        // Authenticate on every attempt: a signature carries a timestamp, a token may have been renewed.
        const pending = this.#auth.authenticate(req);
        if (pending) await pending; // token and AK/SK are synchronous: no extra tick
        const started = params.onAttempt ? performance.now() : 0;
        try {
          const res = await this.#shared.http.send({ ...req, timeoutMs: params.timeoutMs ?? this.timeoutMs });
          params.onAttempt?.({
            status: res.status,
            requestId: res.headers.get('x-request-id') ?? undefined,
            durationMs: performance.now() - started,
            attempt: attempt + 1,
          });
          return res;
        } catch (err) {
          if (params.onAttempt) {
            const api = err instanceof DbssApiError ? err : undefined;
            params.onAttempt({
              status: api?.status,
              requestId: api?.requestId,
              durationMs: performance.now() - started,
              attempt: attempt + 1,
              failure: api ? undefined : (err as DbssError).code,
            });
          }
          throw err;
        }
      } catch (err) {
        // A cached IAM token may have been revoked: drop it and log in once more.
        if (err instanceof DbssAuthenticationError && !reauthenticated && this.#auth.invalidate?.(projectId)) {
          reauthenticated = true;
          attempt--;
          continue;
        }
        if (attempt >= retry.maxRetries || !shouldRetry(method, err)) throw err;
        const delay = retryDelay(attempt + 1, err, retry);
        if (delay === undefined) throw err;
        await sleep(delay, params.signal);
      }
    }
  }
}

function checkHeaders(headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new DbssValidationError(`headers.${name} is set by the client's authentication; remove it.`, {
        field: 'headers',
      });
    }
    if (typeof value !== 'string' || /[\r\n]/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new DbssValidationError(`headers.${name} must be a valid header name with a one-line string value.`, {
        field: 'headers',
      });
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Maps `{"obs_list":[{"bucket_name","location"}]}`; a missing obs_list is empty; anything else is a DbssResponseError. */
export function parseObsList(text: string, status: number, requestId?: string): ObsBucket[] {
  const invalid = (why: string) =>
    new DbssResponseError(`DBSS answered ${status} with ${why}`, { status, requestId, rawBody: text });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('a body that is not JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('a body that is not a JSON object');
  const list = (body as { obs_list?: unknown }).obs_list;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw invalid('an obs_list that is not an array');
  const out: ObsBucket[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i] as { bucket_name?: unknown; location?: unknown } | null;
    if (!item || typeof item.bucket_name !== 'string' || typeof item.location !== 'string') {
      throw invalid(`obs_list[${i}] without a string bucket_name and location`);
    }
    out[i] = { bucketName: item.bucket_name, location: item.location };
  }
  return out;
}
