// The HTTP control API under /__emulator/: the same operations as the Emulator handle, for an
// emulator running in another process (the bin, a bench server).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WireBucket } from './data.js';
import type { Emulator } from './emulator.js';
import type { Fault, FaultMatch } from './faults.js';

export const CONTROL_PREFIX = '/__emulator/';
const BUCKETS = /^\/__emulator\/projects\/([0-9a-zA-Z_-]{1,64})\/buckets$/;

function parseBuckets(value: unknown): WireBucket[] {
  const list = (value as { obs_list?: unknown } | null)?.obs_list;
  if (
    !Array.isArray(list) ||
    !list.every(
      (b) => typeof b === 'object' && b !== null && typeof b.bucket_name === 'string' && typeof b.location === 'string',
    )
  ) {
    throw new TypeError('body must be {"obs_list":[{"bucket_name":"…","location":"…"}, …]}');
  }
  return list.map((b) => ({ bucket_name: b.bucket_name, location: b.location }));
}

type ControlAnswer = [status: number, value: unknown];

const OK: ControlAnswer = [200, { ok: true }];

function controlAnswer(emulator: Emulator, method: string | undefined, path: string, body: Buffer): ControlAnswer {
  const parse = (): unknown => JSON.parse(body.toString('utf8') || '{}');
  try {
    if (path === '/__emulator/faults' && method === 'POST') {
      const { fault, match } = parse() as { fault: Fault; match?: FaultMatch };
      emulator.fault(fault, match);
      return [201, { ok: true }];
    }
    if (path === '/__emulator/faults' && method === 'DELETE') {
      emulator.clearFaults();
      return OK;
    }
    if (path === '/__emulator/requests' && method === 'GET') return [200, emulator.requests];
    if (path === '/__emulator/stats' && method === 'GET') return [200, { requestCount: emulator.requestCount }];
    if (path === '/__emulator/reset' && method === 'POST') {
      emulator.reset();
      return OK;
    }
    const buckets = BUCKETS.exec(path);
    if (buckets && method === 'PUT') {
      emulator.setBuckets(buckets[1] as string, parseBuckets(parse()));
      return OK;
    }
    if (path === '/__emulator/tokens' && method === 'POST') {
      const { projects, ttlMs } = parse() as { projects?: string[] | '*'; ttlMs?: number };
      return [201, { token: emulator.issueToken(projects, ttlMs) }];
    }
  } catch (err) {
    // Bad JSON or a bad field: name it; never a stack trace.
    return [400, { error: err instanceof Error ? err.message : String(err) }];
  }
  return [404, { error: 'unknown control route', routes: CONTROL_ROUTES }];
}

export const CONTROL_ROUTES = [
  'POST /__emulator/faults',
  'DELETE /__emulator/faults',
  'GET /__emulator/requests',
  'GET /__emulator/stats',
  'POST /__emulator/reset',
  'PUT /__emulator/projects/{id}/buckets',
  'POST /__emulator/tokens',
];

export function handleControl(
  emulator: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: Buffer,
): void {
  const [status, value] = controlAnswer(emulator, req.method, path, body);
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}
