// Programmed misbehaviour: which requests a fault hits, and how it answers them. A fault on a route
// wraps that route's own answer (a delay or a drip still sends what the route would have sent).
import type { ServerResponse } from 'node:http';
import { type Answer, defaultErrorBody, delay, type RouteName, send } from './answer.js';

/** A programmed misbehaviour. */
export interface Fault {
  /** Answer with this status (and `body`, default an error body for it in the route's style). */
  status?: number;
  /**
   * Body to send: an object is sent as JSON, a string byte for byte. A body that names a `request_id`
   * (a string) keeps it, and that id is the answer's `X-Request-Id` too (one id per answer).
   */
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
  /** Only requests for this project (list route). */
  projectId?: string;
  /** Only the next N matching requests; without it the fault stays until cleared. */
  times?: number;
  /**
   * Which route: `list` (DBSS ListAuditObsBuckets), `iam` (every /v3 IAM route), `metadata`
   * (GET /openstack/latest/…), `metadata-token` (PUT /meta-data/latest/api/token), or `any`. @default 'list'
   */
  route?: RouteName | 'any';
}

const ROUTES = new Set(['list', 'iam', 'metadata', 'metadata-token', 'any']);

/** Checks a fault and its match (they may arrive as JSON over the control API). Throws naming the bad field. */
export function validateFault(fault: unknown, match: unknown): void {
  if (typeof fault !== 'object' || fault === null) throw new TypeError('"fault" must be an object');
  const f = fault as Record<keyof Fault, unknown>;
  if (
    f.status !== undefined &&
    !(Number.isInteger(f.status) && (f.status as number) >= 100 && (f.status as number) <= 599)
  )
    throw new TypeError(`fault.status must be a whole number from 100 to 599 (got ${JSON.stringify(f.status)})`);
  for (const k of ['delayMs', 'dripMs'] as const) {
    const v = f[k];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0))
      throw new TypeError(`fault.${k} must be a number of milliseconds, 0 or more`);
  }
  for (const k of ['reset', 'nonJson', 'malformedJson'] as const) {
    if (f[k] !== undefined && typeof f[k] !== 'boolean') throw new TypeError(`fault.${k} must be true or false`);
  }
  if (f.body !== undefined && (f.body === null || (typeof f.body !== 'string' && typeof f.body !== 'object')))
    throw new TypeError('fault.body must be a string (sent as is) or a JSON object or array');
  const headers = f.headers;
  if (
    headers !== undefined &&
    (typeof headers !== 'object' || headers === null || !Object.values(headers).every((v) => typeof v === 'string'))
  )
    throw new TypeError('fault.headers must be an object of header names to string values');
  const m = (match ?? {}) as FaultMatch;
  if (typeof m !== 'object') throw new TypeError('"match" must be an object');
  if (m.route !== undefined && !ROUTES.has(m.route))
    throw new TypeError(
      `match.route must be one of list, iam, metadata, metadata-token, any (got ${JSON.stringify(m.route)})`,
    );
  if (m.projectId !== undefined && typeof m.projectId !== 'string')
    throw new TypeError('match.projectId must be a string');
  if (m.times !== undefined && !(Number.isInteger(m.times) && m.times > 0))
    throw new TypeError('match.times must be a whole number above 0');
}

interface ActiveFault {
  fault: Fault;
  match: FaultMatch;
  remaining: number;
}

export class FaultBook {
  private faults: ActiveFault[] = [];

  add(fault: Fault, match: FaultMatch = {}): void {
    validateFault(fault, match);
    this.faults.push({ fault, match, remaining: match.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first fault that matches this request, counting it down. */
  take(route: RouteName, projectId: string | undefined): Fault | undefined {
    for (const f of this.faults) {
      const r = f.match.route ?? 'list';
      if (r !== 'any' && r !== route) continue;
      if (f.match.projectId && f.match.projectId !== projectId) continue;
      if (f.remaining !== Number.POSITIVE_INFINITY) {
        f.remaining--;
        if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
      }
      return f.fault;
    }
    return undefined;
  }
}

const TRUNCATED: Record<RouteName, string> = {
  list: '{"obs_list":[{"bucket_name":"half-a-bucket","loc',
  iam: '{"projects":[{"id":"0b5c7f9e2a4d4e6f',
  metadata: '{"credential":{"access":"TRUNC',
  'metadata-token': '{"tok',
};

/**
 * Answers `res` as `fault` says. `normal` is the route's own answer (computed only when needed);
 * `done` records the status sent (0 for a reset connection) and the request id the answer carried.
 */
export async function applyFault(
  f: Fault,
  route: RouteName,
  res: ServerResponse,
  assignedId: string,
  normal: () => Answer,
  done: (status: number, requestId?: string) => void,
): Promise<void> {
  // A body that names its request id keeps it, and the header says the same.
  const named =
    typeof f.body === 'object' && f.body !== null ? (f.body as { request_id?: unknown }).request_id : undefined;
  const requestId = typeof named === 'string' && named !== '' ? named : assignedId;
  if (f.delayMs) await delay(f.delayMs);
  if (f.reset) {
    done(0);
    res.socket?.destroy();
    return;
  }
  if (f.dripMs !== undefined) {
    const answer = normal();
    done(answer.status);
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers, 'X-Request-Id': requestId });
    for (let i = 0; i < answer.body.length; i += 16) {
      if (res.destroyed) return;
      res.write(answer.body.slice(i, i + 16));
      await delay(f.dripMs);
    }
    res.end();
    return;
  }
  if (f.nonJson) {
    const status = f.status ?? 502;
    done(status);
    if (res.destroyed) return;
    res.writeHead(status, { 'Content-Type': 'text/html', 'X-Request-Id': requestId, ...f.headers });
    res.end(
      `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center><hr><center>nginx</center></body></html>`,
    );
    return;
  }
  if (f.malformedJson) {
    const status = f.status ?? 200;
    done(status);
    return send(res, { status, body: TRUNCATED[route], headers: f.headers }, requestId);
  }
  if (f.status !== undefined || f.body !== undefined) {
    const status = f.status ?? 200;
    done(status, requestId);
    return send(res, { status, body: faultBody(f.body, status, route, requestId), headers: f.headers }, requestId);
  }
  // A pure delay: the route's normal answer afterwards.
  const answer = normal();
  done(answer.status);
  return send(res, answer, requestId);
}

function faultBody(body: Fault['body'], status: number, route: RouteName, requestId: string): string {
  if (body === undefined) return defaultErrorBody(status, route, requestId);
  if (typeof body === 'string') return body;
  // One request id per answer: a body with a request_id that is not a string carries the header's.
  if ('request_id' in body && typeof (body as { request_id?: unknown }).request_id !== 'string')
    return JSON.stringify({ ...body, request_id: requestId });
  return JSON.stringify(body);
}
