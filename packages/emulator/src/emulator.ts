// A local Huawei Cloud for ListAuditObsBuckets over real HTTP: startEmulator wires the routes
// (routes/list, routes/iam, routes/metadata), auth (auth.ts, credentials.ts), faults (faults.ts),
// the control API (control.ts) and the request record (recording.ts).

import { rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { dbssError, newIamTraceId, newRequestId, noSuchApi, type RouteName, send } from './answer.js';
import type { AuthSettings } from './auth.js';
import { CONTROL_PREFIX, handleControl } from './control.js';
import {
  CredentialStore,
  type EmulatorUser,
  type Principal,
  type ProjectScope,
  type TemporaryCredential,
} from './credentials.js';
import {
  DEMO_BUCKETS,
  DEMO_DOMAIN_NAME,
  DEMO_PROJECT_ID,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  generateBuckets,
  loadFixture,
  PROJECT_NAMES,
  type WireBucket,
} from './data.js';
import { applyFault, type Fault, FaultBook, type FaultMatch } from './faults.js';
import { ProjectStore } from './projects.js';
import { describeAuth, type RecordedRequest, Recorder } from './recording.js';
import { iamRoute } from './routes/iam.js';
import { listRoute } from './routes/list.js';
import { type MetadataTokenMode, metadataRoutes } from './routes/metadata.js';
import type { Exchange, Route } from './routes/route.js';
import type { TlsMaterial, TlsOption } from './tls.js';

export type { EmulatorUser, Principal, TemporaryCredential } from './credentials.js';
export type { Fault, FaultMatch } from './faults.js';
export type { RecordedRequest } from './recording.js';
export { tokenFingerprint } from './recording.js';
export type { MetadataTokenMode } from './routes/metadata.js';
export type { TlsMaterial, TlsOption } from './tls.js';

export const DEMO_TOKEN = 'MIIdemo-token-for-the-dbss-obs-emulator-0001';
export const DEMO_AK = 'DEMOACCESSKEY0000001';
export const DEMO_SK = 'demoSecretKey0000000000000000000000000001';
export const DEMO_USER = { name: 'demo-user', password: 'demo-password', domain: DEMO_DOMAIN_NAME } as const;
/**
 * Default lifetime of temporary credentials from the metadata route: 24 h. Huawei documents temporary
 * AK/SK as valid 15 min to 24 h (IAM FAQ iam_01_0620); ECS metadata hands out the agency's keys at the
 * long end (see the README's "Temporary credentials" for the sources).
 */
export const DEFAULT_TEMP_CREDENTIAL_TTL_MS = 86_400_000;

const DAY = 24 * 60 * 60 * 1000;

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
  /** Tokens and what they may read; replaces `token`. Any number (10,000+ is fine: a Map lookup each). */
  tokens?: Record<string, Principal>;
  /** AK/SK pairs accepted for signing. @default [{ ak: DEMO_AK, sk: DEMO_SK }] */
  credentials?: { ak: string; sk: string; projects?: ProjectScope }[];
  /** IAM users for POST /v3/auth/tokens. @default [DEMO_USER] */
  users?: EmulatorUser[];
  /** Extra or renamed IAM project names (id → name), e.g. to discover a project in another region. */
  projectNames?: Record<string, string>;
  /** Accepted difference between X-Sdk-Date and the emulator's clock. @default 900000 (15 min) */
  clockSkewMs?: number;
  /** Lifetime of tokens issued by POST /v3/auth/tokens. @default 86400000 (24 h) */
  tokenTtlMs?: number;
  /** Lifetime of temporary AK/SK from GET /openstack/latest/securitykey. @default 86400000 (24 h) */
  tempCredentialTtlMs?: number;
  /**
   * Metadata v2: `'required'` makes the metadata GETs a 401 without a valid `X-Metadata-Token` (from
   * `PUT /meta-data/latest/api/token`). @default 'optional'
   */
  metadataToken?: MetadataTokenMode;
  /**
   * HTTPS: `true` makes a CA and a server certificate it signs (127.0.0.1, ::1, localhost) at start;
   * or PEM files of your own. The CA is `tls.caFile` of the handle. @default undefined (HTTP)
   */
  tls?: TlsOption;
  /** The emulator's clock. @default Date.now */
  now?: () => number;
  /** How many received requests to keep. @default 10000 */
  recordLimit?: number;
}

export interface Emulator {
  url: string;
  port: number;
  /** The certificate, key and CA (PEM, and the CA's file) when serving HTTPS. */
  tls: TlsMaterial | undefined;
  close(): Promise<void>;
  /** The most recent requests (credentials redacted), oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Requests received (counted on arrival, before any programmed delay) since start or `reset()`. */
  readonly requestCount: number;
  /** Misbehave on matching requests (default: every list request, until cleared). */
  fault(fault: Fault, match?: FaultMatch): void;
  clearFaults(): void;
  /** Clears faults and the request record. */
  reset(): void;
  /** Replaces a project's buckets (a new project becomes readable by principals allowed it). */
  setBuckets(projectId: string, buckets: readonly WireBucket[]): void;
  /** Issues a token that may read `projects` (like a login would). */
  issueToken(projects?: readonly string[] | '*', ttlMs?: number): string;
  /** Revokes a token, so the next call with it is a 401. */
  revokeToken(token: string): void;
  /** Issues a temporary AK/SK + security token, as the metadata route does. */
  issueTemporaryCredential(ttlMs?: number): TemporaryCredential;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const now = opts.now ?? Date.now;
  const demoProjects = [DEMO_PROJECT_ID, EMPTY_PROJECT_ID];
  const tempTtl = opts.tempCredentialTtlMs ?? DEFAULT_TEMP_CREDENTIAL_TTL_MS;
  const tokenTtl = opts.tokenTtlMs ?? DAY;

  const projects = new ProjectStore({ ...PROJECT_NAMES, ...opts.projectNames });
  projects.setBuckets(
    DEMO_PROJECT_ID,
    opts.buckets === undefined
      ? DEMO_BUCKETS
      : typeof opts.buckets === 'number'
        ? generateBuckets(opts.buckets, opts.seed)
        : opts.buckets,
  );
  projects.setBuckets(EMPTY_PROJECT_ID, []);
  projects.setBuckets(FORBIDDEN_PROJECT_ID, DEMO_BUCKETS.slice(0, 3));
  if (opts.fixture) for (const [id, list] of loadFixture(opts.fixture)) projects.setBuckets(id, list);

  const store = new CredentialStore(now, opts.users ?? [{ ...DEMO_USER, projects: demoProjects }], demoProjects);
  if (opts.tokens) for (const [t, p] of Object.entries(opts.tokens)) store.addToken(t, p);
  else store.addToken(opts.token ?? DEMO_TOKEN, { projects: demoProjects, name: 'demo' });
  for (const c of opts.credentials ?? [{ ak: DEMO_AK, sk: DEMO_SK }])
    store.addKey(c.ak, c.sk, c.projects ?? demoProjects);

  const auth: AuthSettings = { store, now, clockSkewMs: opts.clockSkewMs ?? 15 * 60 * 1000 };
  const routes: Route[] = [
    listRoute({ projects, auth }),
    iamRoute({ projects, store, auth, tokenTtlMs: tokenTtl, now }),
    ...metadataRoutes({
      store,
      ttlMs: tempTtl,
      projects: demoProjects,
      tokenMode: opts.metadataToken ?? 'optional',
      now,
    }),
  ];
  const faults = new FaultBook();
  const recorder = new Recorder(opts.recordLimit ?? 10_000, now);
  const isTemporary = (ak: string) => store.key(ak)?.temporary !== undefined;

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path.startsWith(CONTROL_PREFIX)) return handleControl(emulator, req, res, path, body);
    recorder.received++;
    const requestId = newRequestId();
    const method = req.method ?? 'GET';
    let route: Route | undefined;
    let projectId: string | undefined;
    for (const r of routes) {
      const m = r.match(method, path);
      if (m) {
        route = r;
        projectId = m.projectId;
        break;
      }
    }
    const routeName: RouteName | undefined = route?.name;
    const done = (status: number, answerId = requestId) =>
      recorder.record(req, {
        route: routeName,
        projectId,
        auth: describeAuth(req, isTemporary),
        status,
        requestId: answerId,
      });
    if (!route) {
      done(404);
      return send(res, noSuchApi(requestId), requestId);
    }
    const x: Exchange = {
      req,
      body,
      method,
      path,
      query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
      requestId,
      projectId,
    };
    const r = route;
    // Every IAM answer, a fault's included, carries its own trace id (merged into writeHead's headers).
    if (r.name === 'iam') res.setHeader('X-IAM-Trace-Id', newIamTraceId());
    const fault = faults.take(r.name, projectId);
    if (fault) return applyFault(fault, r.name, res, requestId, () => r.answer(x), done);
    const answer = r.answer(x);
    done(answer.status);
    return send(res, answer, requestId);
  }

  // node-forge is loaded only when HTTPS is asked for.
  const tls = opts.tls === undefined ? undefined : await (await import('./tls.js')).tlsMaterial(opts.tls);
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => {
        const requestId = newRequestId();
        if (!res.headersSent)
          send(res, { status: 500, body: dbssError('DBSS.11000000', 'Internal error.') }, requestId);
      });
    });
  };
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest)
    : createHttpServer(onRequest);
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  const emulator: Emulator = {
    url: `${tls ? 'https' : 'http'}://${host}:${addr.port}`,
    port: addr.port,
    tls,
    get requests() {
      return recorder.requests;
    },
    get requestCount() {
      return recorder.received;
    },
    fault(fault, match = {}) {
      faults.add(fault, match);
    },
    clearFaults() {
      faults.clear();
    },
    reset() {
      faults.clear();
      recorder.reset();
    },
    setBuckets(projectId, list) {
      projects.setBuckets(projectId, list);
    },
    issueToken(scope = demoProjects, ttlMs = tokenTtl) {
      return store.issueToken(scope, ttlMs).token;
    },
    revokeToken(token) {
      store.revokeToken(token);
    },
    issueTemporaryCredential(ttlMs = tempTtl) {
      return store.issueTemporary(ttlMs, demoProjects);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => {
          // A CA made at start goes with the emulator (a brought one is the caller's).
          if (opts.tls === true && tls?.caFile) rmSync(dirname(tls.caFile), { recursive: true, force: true });
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
  return emulator;
}
