// A local DBSS for ListAuditObsBuckets (plus IAM's POST /v3/auth/tokens), over real HTTP.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  generateBuckets,
  PROJECT_NAMES,
  type WireBucket,
} from './data.js';
import { expectedSignature, parseAuthorization, parseSdkDate, signatureMatches } from './verify.js';

export const DEMO_TOKEN = 'MIIdemo-token-for-the-dbss-obs-emulator-0001';
export const DEMO_AK = 'DEMOACCESSKEY0000001';
export const DEMO_SK = 'demoSecretKey0000000000000000000000000001';
export const DEMO_USER = { name: 'demo-user', password: 'demo-password', domain: 'demo-domain' } as const;

const LIST_ROUTE = /^\/v2\/([^/?]*)\/audit\/backup\/obs-buckets$/;
const IAM_ROUTE = '/v3/auth/tokens';
const CONTROL_PREFIX = '/__emulator/';
const DAY = 24 * 60 * 60 * 1000;

export interface Principal {
  /** Projects this principal may read; '*' for all. */
  projects: readonly string[] | '*';
  name?: string;
}

export interface EmulatorUser {
  name: string;
  password: string;
  domain: string;
  projects?: readonly string[] | '*';
}

export interface EmulatorOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Buckets of the demo project: a count (seeded, up to 100,000) or a list. @default the demo dozen */
  buckets?: number | readonly WireBucket[];
  /** JSON file: `{"obs_list":[…]}` for the demo project, or `{"projects":{"<id>":{"obs_list":[…]}}}`. */
  fixture?: string;
  /** Seed for generated buckets. @default 1 */
  seed?: number;
  /** A single token that may read the demo projects. @default DEMO_TOKEN */
  token?: string;
  /** Tokens and what they may read; replaces `token`. */
  tokens?: Record<string, Principal>;
  /** AK/SK pairs accepted for signing. @default [{ ak: DEMO_AK, sk: DEMO_SK }] */
  credentials?: { ak: string; sk: string; projects?: readonly string[] | '*' }[];
  /** IAM users for POST /v3/auth/tokens. @default [DEMO_USER] */
  users?: EmulatorUser[];
  /** Accepted difference between X-Sdk-Date and the emulator's clock. @default 900000 (15 min) */
  clockSkewMs?: number;
  /** Lifetime of tokens issued by POST /v3/auth/tokens. @default 86400000 (24 h) */
  tokenTtlMs?: number;
  /** The emulator's clock. @default Date.now */
  now?: () => number;
  /** How many received requests to keep. @default 10000 */
  recordLimit?: number;
}

/** A programmed misbehaviour. */
export interface Fault {
  /** Answer with this status (and `body`, default a DBSS-style error body for it). */
  status?: number;
  /** Body to send: an object is sent as JSON, a string as is. */
  body?: string | object;
  headers?: Record<string, string>;
  /** Wait this long before answering (or before the next fault step). */
  delayMs?: number;
  /** Destroy the connection without an answer. */
  reset?: boolean;
  /** Answer `status` (default 502) with an HTML page, as a proxy would. */
  nonJson?: boolean;
  /** Answer `status` (default 200) with truncated JSON. */
  malformedJson?: boolean;
  /** Send the normal answer in small chunks, this many ms apart. */
  dripMs?: number;
}

export interface FaultMatch {
  /** Only requests for this project. */
  projectId?: string;
  /** Only the next N matching requests; without it the fault stays until cleared. */
  times?: number;
  /** Which route. @default 'list' */
  route?: 'list' | 'iam' | 'any';
}

export interface RecordedRequest {
  seq: number;
  time: number;
  method: string;
  path: string;
  projectId?: string;
  /** Received headers; credential values are replaced by "[REDACTED]". */
  headers: Record<string, string>;
  auth: { type: 'token' | 'aksk' | 'none'; tokenFingerprint?: string; ak?: string };
  status: number;
  requestId: string;
}

export interface Emulator {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The most recent requests (credentials redacted), oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Requests received (counted on arrival, before any programmed delay) since start or `reset()`. */
  readonly requestCount: number;
  fault(fault: Fault, match?: FaultMatch): void;
  clearFaults(): void;
  /** Clears faults and the request record. */
  reset(): void;
  setBuckets(projectId: string, buckets: readonly WireBucket[]): void;
  /** Issues a token that may read `projects` (like a login would). */
  issueToken(projects?: readonly string[] | '*', ttlMs?: number): string;
  /** Revokes a token, so the next call with it is a 401. */
  revokeToken(token: string): void;
}

/** First 12 hex chars of sha256(token): lets tests tell which token was sent without storing it. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}

interface ActiveFault {
  fault: Fault;
  match: FaultMatch;
  remaining: number;
}

interface TokenEntry extends Principal {
  expiresAt: number;
}

const REDACT = new Set(['authorization', 'x-auth-token', 'x-security-token', 'x-subject-token', 'cookie']);

function newRequestId(): string {
  return randomBytes(16).toString('hex');
}

function loadFixture(file: string): Map<string, WireBucket[]> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
    obs_list?: WireBucket[];
    projects?: Record<string, { obs_list?: WireBucket[] }>;
  };
  const out = new Map<string, WireBucket[]>();
  if (parsed.obs_list) out.set(DEMO_PROJECT_ID, parsed.obs_list);
  for (const [id, p] of Object.entries(parsed.projects ?? {})) out.set(id, p.obs_list ?? []);
  if (out.size === 0) throw new Error(`fixture ${file} has neither "obs_list" nor "projects"`);
  return out;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const now = opts.now ?? Date.now;
  const skew = opts.clockSkewMs ?? 15 * 60 * 1000;
  const tokenTtl = opts.tokenTtlMs ?? DAY;
  const recordLimit = opts.recordLimit ?? 10_000;
  const demoProjects = [DEMO_PROJECT_ID, EMPTY_PROJECT_ID];

  const buckets = new Map<string, readonly WireBucket[]>();
  const bodies = new Map<string, string>(); // serialized 200 bodies, built once per project
  const setBuckets = (id: string, list: readonly WireBucket[]) => {
    buckets.set(id, list);
    bodies.delete(id);
  };
  const demo =
    opts.buckets === undefined
      ? DEMO_BUCKETS
      : typeof opts.buckets === 'number'
        ? generateBuckets(opts.buckets, opts.seed)
        : opts.buckets;
  setBuckets(DEMO_PROJECT_ID, demo);
  setBuckets(EMPTY_PROJECT_ID, []);
  setBuckets(FORBIDDEN_PROJECT_ID, DEMO_BUCKETS.slice(0, 3));
  if (opts.fixture) for (const [id, list] of loadFixture(opts.fixture)) setBuckets(id, list);

  const tokens = new Map<string, TokenEntry>();
  const forever = Number.POSITIVE_INFINITY;
  if (opts.tokens) for (const [t, p] of Object.entries(opts.tokens)) tokens.set(t, { ...p, expiresAt: forever });
  else tokens.set(opts.token ?? DEMO_TOKEN, { projects: demoProjects, name: 'demo', expiresAt: forever });
  const credentials = new Map(
    (opts.credentials ?? [{ ak: DEMO_AK, sk: DEMO_SK }]).map((c) => [
      c.ak,
      { sk: c.sk, projects: c.projects ?? demoProjects },
    ]),
  );
  const users = opts.users ?? [{ ...DEMO_USER, projects: demoProjects }];

  let faults: ActiveFault[] = [];
  let records: RecordedRequest[] = [];
  let seq = 0;
  let received = 0;

  const issueToken = (projects: readonly string[] | '*' = demoProjects, ttlMs = tokenTtl) => {
    const token = `MIIemu${randomBytes(24).toString('base64url')}`;
    tokens.set(token, { projects, expiresAt: now() + ttlMs });
    return token;
  };

  function takeFault(route: 'list' | 'iam', projectId: string | undefined): Fault | undefined {
    for (const f of faults) {
      const r = f.match.route ?? 'list';
      if (r !== 'any' && r !== route) continue;
      if (f.match.projectId && f.match.projectId !== projectId) continue;
      if (f.remaining !== Number.POSITIVE_INFINITY) {
        f.remaining--;
        if (f.remaining <= 0) faults = faults.filter((x) => x !== f);
      }
      return f.fault;
    }
    return undefined;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err) => {
        if (!res.headersSent)
          send(res, 500, dbssError('DBSS.11000000', `Internal error: ${String(err)}`), newRequestId());
      });
    });
  });
  server.keepAliveTimeout = 65_000;

  function record(req: IncomingMessage, r: Omit<RecordedRequest, 'seq' | 'time' | 'method' | 'path' | 'headers'>) {
    seq++;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k] = REDACT.has(k) ? '[REDACTED]' : Array.isArray(v) ? v.join(', ') : v;
    }
    records.push({ seq, time: now(), method: req.method ?? '', path: req.url ?? '', headers, ...r });
    if (records.length > recordLimit) records = records.slice(-recordLimit);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const url = req.url ?? '/';
    const path = url.split('?')[0] as string;
    if (path.startsWith(CONTROL_PREFIX)) return control(req, res, path, body);
    received++;
    const requestId = newRequestId();
    const list = LIST_ROUTE.exec(path);
    const route =
      list && req.method === 'GET' ? 'list' : path === IAM_ROUTE && req.method === 'POST' ? 'iam' : undefined;
    const projectId = list ? safeDecode(list[1] as string) : undefined;
    const authInfo = describeAuth(req);
    const done = (status: number) => record(req, { projectId, auth: authInfo, status, requestId });

    if (route) {
      const fault = takeFault(route, projectId);
      if (fault) return applyFault(fault, req, res, requestId, projectId, done);
    }
    if (!route) {
      done(404);
      return send(
        res,
        404,
        apigError('APIGW.0101', 'The API does not exist or has not been published in the environment', requestId),
        requestId,
      );
    }
    if (route === 'iam') {
      const [status, payload, headers] = login(body);
      done(status);
      return send(res, status, payload, requestId, headers);
    }
    const [status, payload] = answerList(req, body, projectId as string, requestId);
    done(status);
    return send(res, status, payload, requestId);
  }

  function describeAuth(req: IncomingMessage): RecordedRequest['auth'] {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') return { type: 'token', tokenFingerprint: tokenFingerprint(token) };
    const parsed = parseAuthorization(req.headers.authorization);
    if (parsed) return { type: 'aksk', ak: parsed.ak };
    return { type: 'none' };
  }

  function principalFor(req: IncomingMessage, body: Buffer, requestId: string): Principal | [number, string] {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') {
      const entry = tokens.get(token);
      if (!entry || entry.expiresAt <= now()) return [401, dbssError('DBSS.10020100', 'Token authentication failed.')];
      return entry;
    }
    const authz = req.headers.authorization;
    if (authz) {
      const parsed = parseAuthorization(authz);
      const cred = parsed && credentials.get(parsed.ak);
      const bad = (why: string) =>
        [401, apigError('APIGW.0301', `Incorrect IAM authentication information: ${why}`, requestId)] as [
          number,
          string,
        ];
      if (!parsed || !cred) return bad('verify aksk signature fail');
      if (!parsed.signedHeaders.includes('host') || !parsed.signedHeaders.includes('x-sdk-date'))
        return bad('host and x-sdk-date must be signed');
      const date = parseSdkDate(req.headers['x-sdk-date'] as string | undefined);
      if (!Number.isFinite(date)) return bad('x-sdk-date is missing or not YYYYMMDDTHHmmssZ');
      if (Math.abs(now() - date) > skew) return bad('x-sdk-date expired');
      if (!signatureMatches(expectedSignature(req, body, parsed, cred.sk), parsed.signature))
        return bad('verify aksk signature fail');
      return { projects: cred.projects };
    }
    return [401, dbssError('DBSS.10020100', 'Token authentication failed.')];
  }

  function answerList(req: IncomingMessage, body: Buffer, projectId: string, requestId: string): [number, string] {
    const who = principalFor(req, body, requestId);
    if (Array.isArray(who)) return who;
    if (!/^[0-9a-fA-F]{32,64}$/.test(projectId)) {
      return [
        400,
        dbssError('DBSS.10000001', 'Invalid request: project_id must be 32 to 64 hexadecimal characters.', [
          { error_code: 'DBSS.10000001', error_msg: 'project_id is invalid' },
        ]),
      ];
    }
    const xp = req.headers['x-project-id'];
    const allowed =
      (who.projects === '*' || who.projects.includes(projectId)) && (xp === undefined || xp === projectId);
    if (!allowed || !buckets.has(projectId)) {
      return [
        403,
        dbssError(
          'DBSS.10020403',
          'Permission denied: the caller may not read this project.',
          [{ error_code: 'DBSS.10020403', error_msg: 'no permission for dbss:audit:list on this project' }],
          randomBytes(48).toString('base64'),
        ),
      ];
    }
    let text = bodies.get(projectId);
    if (text === undefined) {
      text = JSON.stringify({ obs_list: buckets.get(projectId) });
      bodies.set(projectId, text);
    }
    return [200, text];
  }

  function login(body: Buffer): [number, string, Record<string, string>?] {
    const unauthorized = (message: string): [number, string] => [
      401,
      JSON.stringify({ error: { code: 401, message, title: 'Unauthorized' } }),
    ];
    let parsed: {
      auth?: {
        identity?: {
          methods?: string[];
          password?: { user?: { name?: string; password?: string; domain?: { name?: string } } };
        };
        scope?: { project?: { id?: string; name?: string } };
      };
    };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return [
        400,
        JSON.stringify({ error: { code: 400, message: 'The request body is not JSON.', title: 'Bad Request' } }),
      ];
    }
    const u = parsed.auth?.identity?.password?.user;
    if (!parsed.auth?.identity?.methods?.includes('password') || !u) {
      return [
        400,
        JSON.stringify({
          error: { code: 400, message: 'Only the password method is emulated.', title: 'Bad Request' },
        }),
      ];
    }
    const user = users.find((x) => x.name === u.name && x.domain === u.domain?.name);
    if (!user || user.password !== u.password) return unauthorized('The username or password is wrong.');
    const scope = parsed.auth.scope?.project;
    const projectId = scope?.id ?? Object.keys(PROJECT_NAMES).find((id) => PROJECT_NAMES[id] === scope?.name);
    if (!projectId)
      return [
        400,
        JSON.stringify({
          error: { code: 400, message: 'scope.project must name a known project by id or name.', title: 'Bad Request' },
        }),
      ];
    const projects = user.projects ?? demoProjects;
    if (projects !== '*' && !projects.includes(projectId))
      return unauthorized('The user has no role in the requested project.');
    const token = issueToken([projectId]);
    const expiresAt = (tokens.get(token) as TokenEntry).expiresAt;
    const payload = JSON.stringify({
      token: {
        methods: ['password'],
        expires_at: new Date(expiresAt).toISOString(),
        issued_at: new Date(now()).toISOString(),
        user: { name: user.name, domain: { name: user.domain } },
        project: { id: projectId, name: PROJECT_NAMES[projectId] ?? projectId },
      },
    });
    return [201, payload, { 'X-Subject-Token': token }];
  }

  async function applyFault(
    f: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    projectId: string | undefined,
    done: (status: number) => void,
  ) {
    if (f.delayMs) await delay(f.delayMs);
    if (f.reset) {
      done(0);
      req.socket.destroy();
      return;
    }
    if (f.dripMs !== undefined) {
      const [status, text] = answerList(req, Buffer.alloc(0), projectId ?? '', requestId);
      done(status);
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Request-Id': requestId });
      for (let i = 0; i < text.length; i += 16) {
        if (res.destroyed) return;
        res.write(text.slice(i, i + 16));
        await delay(f.dripMs);
      }
      res.end();
      return;
    }
    if (f.nonJson) {
      const status = f.status ?? 502;
      done(status);
      res.writeHead(status, { 'Content-Type': 'text/html', 'X-Request-Id': requestId, ...f.headers });
      res.end(
        `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`,
      );
      return;
    }
    if (f.malformedJson) {
      const status = f.status ?? 200;
      done(status);
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Request-Id': requestId, ...f.headers });
      res.end('{"obs_list":[{"bucket_name":"half-a-bucket","loc');
      return;
    }
    if (f.status !== undefined || f.body !== undefined) {
      const status = f.status ?? 200;
      const body =
        f.body === undefined ? defaultErrorBody(status) : typeof f.body === 'string' ? f.body : JSON.stringify(f.body);
      done(status);
      return send(res, status, body, requestId, f.headers);
    }
    // A pure delay: answer normally afterwards.
    const [status, text] = answerList(req, Buffer.alloc(0), projectId ?? '', requestId);
    done(status);
    return send(res, status, text, requestId);
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer) {
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (path === '/__emulator/faults' && req.method === 'POST') {
      try {
        const { fault, match } = JSON.parse(body.toString('utf8')) as { fault: Fault; match?: FaultMatch };
        handleApi.fault(fault, match);
        return json(201, { ok: true });
      } catch (err) {
        return json(400, { error: String(err) });
      }
    }
    if (path === '/__emulator/faults' && req.method === 'DELETE') {
      handleApi.clearFaults();
      return json(200, { ok: true });
    }
    if (path === '/__emulator/requests' && req.method === 'GET') return json(200, records);
    if (path === '/__emulator/stats' && req.method === 'GET') return json(200, { requestCount: received });
    if (path === '/__emulator/reset' && req.method === 'POST') {
      handleApi.reset();
      return json(200, { ok: true });
    }
    return json(404, { error: 'unknown control route' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  const handleApi: Emulator = {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    get requests() {
      return records;
    },
    get requestCount() {
      return received;
    },
    fault(fault, match = {}) {
      faults.push({ fault, match, remaining: match.times ?? Number.POSITIVE_INFINITY });
    },
    clearFaults() {
      faults = [];
    },
    reset() {
      faults = [];
      records = [];
      seq = 0;
      received = 0;
    },
    setBuckets,
    issueToken,
    revokeToken(token) {
      tokens.delete(token);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return handleApi;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function delay(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function send(res: ServerResponse, status: number, body: string, requestId: string, headers?: Record<string, string>) {
  if (res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': 'application/json;charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
    'X-Request-Id': requestId,
    ...headers,
  });
  res.end(body);
}

function dbssError(
  code: string,
  msg: string,
  details: { error_code: string; error_msg: string }[] = [],
  encoded?: string,
): string {
  return JSON.stringify({ error_code: code, error_msg: msg, details, encoded_authorization_message: encoded ?? null });
}

function apigError(code: string, msg: string, requestId: string): string {
  return JSON.stringify({ error_msg: msg, error_code: code, request_id: requestId });
}

function defaultErrorBody(status: number): string {
  if (status === 401) return dbssError('DBSS.10020100', 'Token authentication failed.');
  if (status === 400) return dbssError('DBSS.10000001', 'Invalid request.');
  if (status === 403) return dbssError('DBSS.10020403', 'Permission denied.', [], 'ZW5jb2RlZA==');
  if (status === 429) return apigError('APIGW.0308', 'The throttling threshold has been reached', newRequestId());
  if (status >= 500) return dbssError('DBSS.11000000', 'Internal error.');
  return dbssError(`DBSS.${status}`, `Emulated status ${status}.`);
}
