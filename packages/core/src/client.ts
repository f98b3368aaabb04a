// DbssClient: one options object, one call, errors as data. HTTP, retries and error classes live in
// internal/transport.ts; credentials in credentials.ts and internal/auth/.
import {
  configFromEnv,
  type DbssProxyOptions,
  ENV_LABELS,
  type Env,
  proxyFromEnv,
  type ResolvedConfig,
  regionEndpointVariable,
  resolveConfig,
} from './config.js';
import type { DbssAuth, DbssCredentialSource } from './credentials.js';
import {
  DbssAbortError,
  DbssAuthenticationError,
  DbssBadRequestError,
  DbssConfigError,
  DbssNotFoundError,
  DbssProjectNotFoundError,
  DbssResponseError,
  DbssValidationError,
} from './errors.js';
import { akskAuth, staticAkSk } from './internal/auth/aksk.js';
import { metadataAkSk } from './internal/auth/metadata.js';
import { type PasswordStrategy, passwordAuth } from './internal/auth/password.js';
import { tokenAuth } from './internal/auth/token.js';
import type { AuthRequest, AuthStrategy } from './internal/auth/types.js';
import { DEFAULT_RETRY, type RetryPolicy } from './internal/retry.js';
import { createTransport, type FetchLike, type SendOptions, type Transport } from './internal/transport.js';
import type { DbssRegion } from './regions.js';
import { assertProjectId, isValidProjectId } from './validate.js';

export type { DbssAuth, DbssCredentialSource, FetchLike };

/** One bucket a project may back audit logs up into. */
export interface ObsBucket {
  bucketName: string;
  /** The bucket's OBS region; not necessarily a DBSS region. */
  location: string;
}

export interface DbssClientOptions {
  /** DBSS region id; picks `https://dbss.{region}.myhuaweicloud.com`. Required unless `endpoint` is set. */
  region?: string | undefined;
  /** Base URL that overrides the region's endpoint (the emulator, a proxy). @default the region's endpoint */
  endpoint?: string | undefined;
  /** How to authenticate: IAM token, AK/SK signing, IAM password login, or ECS metadata credentials. */
  auth: DbssAuth;
  /** Project used when a call names none. @default undefined: discovered from the region (see resolveProjectId) */
  projectId?: string | undefined;
  /** Per-attempt timeout in milliseconds, covering the whole body. @default 10000 */
  timeoutMs?: number | undefined;
  /** Retries after the first attempt (GET only; connection errors, timeouts, 429, 5xx). @default 2 */
  maxRetries?: number | undefined;
  /** Back-off bounds. @default { baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60000 } */
  retry?: Partial<Omit<RetryPolicy, 'maxRetries'>> | undefined;
  /** A fetch to send requests with (then `proxy` is up to it). @default undefined: undici with keep-alive */
  fetch?: FetchLike | undefined;
  /** HTTP(S) proxy; `false` for none. @default from HTTPS_PROXY / HTTP_PROXY / NO_PROXY of process.env */
  proxy?: DbssProxyOptions | false | undefined;
  /** IAM base URL for project discovery (and password login). @default `https://iam.{region}.myhuaweicloud.com` */
  iamEndpoint?: string | undefined;
  /** Receives debug lines (which credential source won, discovery); never a secret. @default undefined */
  logger?: DbssLogger | undefined;
}

/** Where debug lines go; `console` fits. */
export interface DbssLogger {
  debug(message: string): void;
}

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
  status?: number | undefined;
  /** The `X-Request-Id` DBSS answered with. */
  requestId?: string | undefined;
  durationMs: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** Why an attempt without an answer failed: `CONNECTION_ERROR`, `TIMEOUT` or `ABORTED`. */
  failure?: string | undefined;
}

export interface ListObsBucketsParams {
  /** @default the client's `projectId`; without one, discovered from the region (cached per credential + region) */
  projectId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called after every HTTP attempt (retries included): for logs and metrics. @default undefined */
  onAttempt?: ((attempt: DbssAttempt) => void) | undefined;
  /** Per-attempt timeout for this call. @default the client's `timeoutMs` */
  timeoutMs?: number | undefined;
  /**
   * Extra request headers for every attempt of this call, e.g. `traceparent`, `tracestate`. Not signed.
   * Authentication headers (Authorization, X-Auth-Token, X-Sdk-Date, X-Project-Id, X-Security-Token, Host)
   * are refused with a DbssValidationError. @default undefined
   */
  headers?: Record<string, string> | undefined;
  /**
   * Awaited before every HTTP attempt of this call (retries included), before the attempt is signed and
   * before its timer starts: e.g. to wait for a rate budget. What it throws ends the call, as thrown.
   * @default undefined
   */
  beforeAttempt?: (() => void | Promise<void>) | undefined;
}

const USER_AGENT = 'dbss-obs/0.2 (+@dbss-obs/core)';
const BASE_HEADERS: Readonly<Record<string, string>> = { Accept: 'application/json', 'User-Agent': USER_AGENT };

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

/** Discovered project ids kept per credential + region (the gateway makes one client per caller). */
const MAX_DISCOVERED = 10_000;

/** What a client and the clients made by `withAuth` have in common. */
interface Shared {
  transport: Transport;
  retry: RetryPolicy;
  logger: DbssLogger | undefined;
  projectIds: Map<string, string>;
  discovering: Map<string, Promise<string>>;
  /** The list URL per base and project (parsed once, not per call; never mutated). */
  listUrls: Map<string, URL>;
}

/** Most list URLs kept; past it the map starts over (callers name a handful of projects). */
const MAX_LIST_URLS = 1000;

const SHARED = Symbol('dbss-obs.shared');
/** On the options of a `withAuth(token)` child: its parent's config resolved with a token (all but the token). */
const TOKEN_CONFIG = Symbol('dbss-obs.token-config');
type InternalOptions = DbssClientOptions & { [SHARED]?: Shared; [TOKEN_CONFIG]?: ResolvedConfig };

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
  readonly #iam: string | undefined;
  readonly #authenticate: (req: AuthRequest) => void | Promise<void>;
  readonly #secrets: () => readonly string[];
  #credentialSource: DbssCredentialSource = 'options';
  #projectIdSource: DbssClientDescription['projectIdSource'];
  #discovered: string | undefined;
  /** For `withAuth(token)` children: the options they start from (shared state and the resolved config). */
  #tokenChildOptions: InternalOptions | undefined;

  constructor(options: DbssClientOptions) {
    const internal = options as InternalOptions;
    const pre = internal?.[TOKEN_CONFIG];
    const cfg = pre ?? resolveConfig(options ?? ({} as DbssClientOptions));
    this.#options = options;
    this.region = cfg.region;
    this.endpoint = cfg.baseUrl.href;
    this.authType = cfg.auth.type === 'ecs-metadata' ? 'aksk' : cfg.auth.type;
    this.projectId = cfg.projectId;
    this.#projectIdSource = cfg.projectId ? 'options' : undefined;
    this.timeoutMs = cfg.timeoutMs;
    this.maxRetries = cfg.maxRetries;
    this.#base = cfg.baseUrl;
    this.#iam = cfg.iamEndpoint;
    const shared = internal[SHARED] ?? DbssClient.#newShared(options, cfg.maxRetries);
    this.#shared = shared;
    // Requests the credentials themselves need (login, metadata) are never retried behind a POST and
    // use the client's timeout.
    const send = (req: AuthRequest, maxRetries = 0) =>
      shared.transport.send(req, { timeoutMs: this.timeoutMs, maxRetries, secrets: () => this.#auth.secrets });
    // A withAuth(token) child: its own token (checked by withAuth), everything else its parent's.
    const a = pre && options.auth.type === 'token' ? { type: 'token' as const, token: options.auth.token } : cfg.auth;
    if (a.type === 'token') this.#auth = tokenAuth(a.token);
    else if (a.type === 'aksk') this.#auth = akskAuth(staticAkSk(a));
    else if (a.type === 'ecs-metadata') {
      const endpoint = cfg.metadataEndpoint as string;
      this.#auth = akskAuth(metadataAkSk({ endpoint, send: (req) => send(req, this.maxRetries) }));
    } else {
      const { user, password, domain, projectName } = a;
      const iamEndpoint = cfg.iamEndpoint as string;
      this.#auth = passwordAuth({ user, password, domain, projectName, iamEndpoint }, (req) => send(req));
    }
    const auth = this.#auth;
    this.#authenticate = (req) => auth.authenticate(req);
    this.#secrets = () => auth.secrets;
  }

  static #newShared(options: DbssClientOptions, maxRetries: number): Shared {
    const retry = { ...DEFAULT_RETRY, ...stripUndefined(options.retry ?? {}), maxRetries };
    const proxy = options.proxy === false ? undefined : (options.proxy ?? proxyFromEnv(process.env));
    return {
      transport: createTransport({ fetch: options.fetch, proxy, retry }),
      retry,
      logger: options.logger,
      projectIds: new Map(),
      discovering: new Map(),
      listUrls: new Map(),
    };
  }

  /**
   * Builds a client from the environment (`process.env` by default): HUAWEICLOUD_SDK_REGION,
   * DBSS_ENDPOINT, HUAWEICLOUD_SDK_PROJECT_ID, HUAWEICLOUD_SDK_IAM_ENDPOINT, DBSS_TIMEOUT_MS,
   * DBSS_MAX_RETRIES, HTTPS_PROXY/HTTP_PROXY/NO_PROXY, and credentials from the first source present:
   * `overrides.auth`, HUAWEICLOUD_AUTH_TOKEN, HUAWEICLOUD_SDK_AK/_SK(/_SECURITY_TOKEN), HUAWEICLOUD_IAM_USER/
   * _PASSWORD/_DOMAIN, the profile file, ECS metadata (when enabled). Which one won goes to
   * `overrides.logger.debug` and `describe()`. A wrong value fails naming its variable (or file and key).
   */
  static fromEnv(env: Env = process.env, overrides: Partial<DbssClientOptions> = {}): DbssClient {
    const { proxy, credentialSource, credentialOrigin, projectIdSource, ...settings } = configFromEnv(env, overrides);
    const input = { ...settings, proxy, ...stripUndefined(overrides) };
    resolveConfig(input, ENV_LABELS); // fail with the variable's name, not the option's
    const client = new DbssClient(input as DbssClientOptions);
    client.#credentialSource = credentialSource ?? 'options';
    if (client.projectId) client.#projectIdSource = overrides.projectId ? 'options' : projectIdSource;
    client.#shared.logger?.debug(
      `dbss-obs: credentials from ${client.#credentialSource} (${credentialOrigin ?? 'options'})` +
        (client.projectId ? `; project id from ${client.#projectIdSource}` : '; project id to be discovered'),
    );
    return client;
  }

  /**
   * A client with other credentials that shares this one's transport (connections), caches and
   * retry policy: cheap enough to make per request (the gateway does, per caller token).
   */
  withAuth(auth: DbssAuth): DbssClient {
    let child: DbssClient;
    if (auth?.type === 'token' && typeof auth.token === 'string' && auth.token.trim() !== '') {
      // Region, endpoints and limits resolve the same for every token: checked once, not per child (the
      // gateway makes one per request); the child's constructor takes them from TOKEN_CONFIG.
      if (!this.#tokenChildOptions) {
        const options: InternalOptions = { ...this.#options, [SHARED]: this.#shared };
        const config = resolveConfig({ ...options, auth: { type: 'token', token: 'unused' } });
        this.#tokenChildOptions = { ...options, [TOKEN_CONFIG]: config };
      }
      // Object.assign, not a spread followed by `auth`: docs/performance.md, "V8 notes": spreads.
      child = new DbssClient(Object.assign({}, this.#tokenChildOptions, { auth }));
    } else {
      child = new DbssClient({
        ...this.#options,
        auth,
        [SHARED]: this.#shared,
        [TOKEN_CONFIG]: undefined,
      } as InternalOptions);
    }
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
    const projectId = this.projectId ?? this.#discovered;
    if (projectId) {
      d.projectId = projectId;
      d.projectIdSource = this.projectId ? this.#projectIdSource : 'discovery';
    }
    return d;
  }

  /** Closes kept-alive connections. Clients made by `withAuth` share them: close the one you built. */
  async close(): Promise<void> {
    await this.#shared.transport.close();
  }

  /**
   * The project id calls use when they name none: the configured one, else the project named after
   * the region, found the way the official SDKs do (AK/SK: signed `GET {iam}/v3/projects?name={region}`;
   * token: `GET {iam}/v3/auth/projects`; password: the project-scoped login's `token.project.id`).
   * Cached per credential + region, shared with `withAuth` clients; concurrent callers share one lookup.
   * Throws DbssProjectNotFoundError when IAM knows no such project for these credentials.
   */
  async resolveProjectId(opts: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    if (this.projectId) return this.projectId;
    const region = this.region;
    if (!region) {
      throw new DbssValidationError(
        'projectId is missing, and without a region it cannot be discovered: set HUAWEICLOUD_SDK_PROJECT_ID (projectId) or HUAWEICLOUD_SDK_REGION (region).',
        { field: 'projectId' },
      );
    }
    if (!this.#iam) {
      // resolveConfig leaves IAM unset when DBSS is not the region's official host and no IAM was named:
      // credentials never go to a guessed IAM host.
      throw new DbssConfigError(
        `HUAWEICLOUD_SDK_IAM_ENDPOINT (the iamEndpoint option) is required to discover the project id for ${region}: DBSS is not the region's official host (DBSS_ENDPOINT or ${regionEndpointVariable(region)} is set), so credentials are sent to no IAM host that is not named. Set it, or set HUAWEICLOUD_SDK_PROJECT_ID.`,
        { variable: 'HUAWEICLOUD_SDK_IAM_ENDPOINT' },
      );
    }
    if (opts.signal?.aborted) throw new DbssAbortError({ cause: opts.signal.reason });
    const { projectIds, discovering } = this.#shared;
    const key = `${this.#auth.fingerprint}|${region}|${this.#iam}`;
    const hit = projectIds.get(key);
    if (hit) {
      this.#discovered = hit;
      return hit;
    }
    let pending = discovering.get(key);
    if (!pending) {
      pending = this.#discover(region).then(
        (id) => {
          discovering.delete(key);
          if (projectIds.size >= MAX_DISCOVERED) projectIds.delete(projectIds.keys().next().value as string);
          projectIds.set(key, id);
          this.#shared.logger?.debug(`dbss-obs: project ${id} discovered for ${region} (${this.authType})`);
          return id;
        },
        (err) => {
          discovering.delete(key);
          throw err;
        },
      );
      discovering.set(key, pending);
    }
    // The lookup is shared, so a caller's signal ends only its own wait.
    this.#discovered = await abortable(pending, opts.signal);
    return this.#discovered;
  }

  async #discover(region: DbssRegion): Promise<string> {
    const iam = this.#iam as string; // set whenever a region is
    if (this.#auth.type === 'password') {
      try {
        const found = await (this.#auth as PasswordStrategy).discoverProjectId(region);
        return checkedProjectId(found.projectId, region, found.iamTraceId);
      } catch (err) {
        // IAM refuses a login scoped to a project name it does not know (400/404).
        if (err instanceof DbssBadRequestError || err instanceof DbssNotFoundError) {
          throw new DbssProjectNotFoundError(region, { cause: err, iamTraceId: err.iamTraceId });
        }
        throw err;
      }
    }
    const url =
      this.#auth.type === 'aksk'
        ? new URL(`v3/projects?name=${encodeURIComponent(region)}`, iam)
        : new URL('v3/auth/projects', iam);
    const res = await this.#shared.transport.send(
      { method: 'GET', url, headers: { ...BASE_HEADERS } },
      {
        timeoutMs: this.timeoutMs,
        maxRetries: this.maxRetries,
        authenticate: this.#authenticate,
        secrets: this.#secrets,
      },
    );
    const iamTraceId = res.headers.get('x-iam-trace-id') ?? undefined;
    let projects: unknown;
    try {
      projects = (JSON.parse(res.text) as { projects?: unknown }).projects;
    } catch {
      projects = undefined;
    }
    if (!Array.isArray(projects)) {
      throw new DbssResponseError('IAM answered the project list without a projects array', {
        status: res.status,
        requestId: res.headers.get('x-request-id') ?? undefined,
        rawBody: res.text,
        iamTraceId,
      });
    }
    const match = (projects as { id?: unknown; name?: unknown }[]).find((p) => p && p.name === region);
    if (!match) throw new DbssProjectNotFoundError(region, { iamTraceId });
    return checkedProjectId(match.id, region, iamTraceId);
  }

  #listUrl(projectId: string): URL {
    const urls = this.#shared.listUrls;
    const key = `${this.#base.href} ${projectId}`;
    let url = urls.get(key);
    if (!url) {
      if (urls.size >= MAX_LIST_URLS) urls.clear();
      url = new URL(`v2/${projectId}/audit/backup/obs-buckets`, this.#base);
      urls.set(key, url);
    }
    return url;
  }

  /** Lists the OBS buckets a project may back audit logs up into. */
  async listObsBuckets(params: ListObsBucketsParams = {}): Promise<ObsBucket[]> {
    if (params.projectId !== undefined || !this.region || this.projectId) {
      assertProjectId(params.projectId ?? this.projectId);
    }
    if (params.timeoutMs !== undefined && (!Number.isInteger(params.timeoutMs) || params.timeoutMs <= 0)) {
      throw new DbssValidationError(
        `timeoutMs must be a positive whole number of milliseconds (got ${params.timeoutMs}).`,
        { field: 'timeoutMs' },
      );
    }
    if (params.headers) checkHeaders(params.headers);
    const projectId = params.projectId ?? this.projectId ?? (await this.resolveProjectId({ signal: params.signal }));
    const req: AuthRequest = {
      method: 'GET',
      url: this.#listUrl(projectId),
      // Object.assign, not two spreads: docs/performance.md, "V8 notes": spreads.
      headers: params.headers ? Object.assign({}, params.headers, BASE_HEADERS) : { ...BASE_HEADERS },
      projectId,
      signal: params.signal,
    };
    const opts: SendOptions = {
      signal: params.signal,
      timeoutMs: params.timeoutMs ?? this.timeoutMs,
      maxRetries: this.maxRetries,
      onAttempt: params.onAttempt,
      authenticate: params.beforeAttempt ? waitThen(params.beforeAttempt, this.#authenticate) : this.#authenticate,
      secrets: this.#secrets,
    };
    let res: Awaited<ReturnType<Transport['send']>>;
    try {
      res = await this.#shared.transport.send(req, opts);
    } catch (err) {
      // A cached credential (IAM token, metadata keys) may have been revoked: drop it and try once more.
      if (!(err instanceof DbssAuthenticationError) || !this.#auth.invalidate?.(projectId)) throw err;
      res = await this.#shared.transport.send(req, opts);
    }
    return parseObsList(res.text, res.status, res.headers.get('x-request-id') ?? undefined);
  }
}

function checkedProjectId(id: unknown, region: string, iamTraceId?: string): string {
  if (isValidProjectId(id)) return id;
  throw new DbssResponseError(`IAM named a project for ${region} whose id is not 32 to 64 letters and digits`, {
    status: 200,
    rawBody: '',
    iamTraceId,
  });
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new DbssAbortError({ cause: signal.reason }));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
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
  // Mapped in place: docs/performance.md, "V8 notes": bucket list.
  const out = list as unknown[];
  for (let i = 0; i < out.length; i++) {
    const item = out[i] as { bucket_name?: unknown; location?: unknown } | null;
    if (!item || typeof item.bucket_name !== 'string' || typeof item.location !== 'string') {
      throw invalid(`obs_list[${i}] without a string bucket_name and location`);
    }
    out[i] = { bucketName: item.bucket_name, location: item.location } satisfies ObsBucket;
  }
  return out as ObsBucket[];
}

/** `authenticate` preceded by the caller's per-attempt wait (runs before each attempt's timer starts). */
function waitThen(
  before: () => void | Promise<void>,
  authenticate: (req: AuthRequest) => void | Promise<void>,
): (req: AuthRequest) => Promise<void> {
  return async (req) => {
    await before();
    await authenticate(req);
  };
}
