// The HTTP control API under /__emulator/: the same operations as the Emulator handle, for an
// emulator running in another process (the bin, a bench server).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WireBucket } from './data.js';
import type { Emulator } from './emulator.js';
import type { Fault, FaultMatch } from './faults.js';

export const CONTROL_PREFIX = '/__emulator/';
const BUCKETS = /^\/__emulator\/projects\/([0-9a-zA-Z_-]{1,64})\/buckets$/;

/**
 * Hold/release: while holding, every DBSS/IAM/metadata request is counted and recorded on arrival and its
 * answer waits until `release()`. A test starts a burst, awaits `whenHeld(n)` (n requests have arrived and
 * wait), checks what it must, then releases them all at once: no delay has to cover the burst.
 */
export class HoldGate {
  #holding = false;
  #held: (() => void)[] = [];
  #watchers: { count: number; resolve: () => void }[] = [];

  get holding(): boolean {
    return this.#holding;
  }

  /** How many answers are being kept back now. */
  get held(): number {
    return this.#held.length;
  }

  hold(): void {
    this.#holding = true;
  }

  /** Lets every held answer go and stops holding; returns how many were released. */
  release(): number {
    this.#holding = false;
    const held = this.#held;
    this.#held = [];
    for (const go of held) go();
    return held.length;
  }

  /** Resolves when this request may be answered (at once unless holding). */
  wait(): Promise<void> | undefined {
    if (!this.#holding) return undefined;
    return new Promise<void>((resolve) => {
      this.#held.push(resolve);
      this.#watchers = this.#watchers.filter((w) => {
        if (this.#held.length < w.count) return true;
        w.resolve();
        return false;
      });
    });
  }

  /** Resolves once at least `count` answers are held; rejects after `timeoutMs` naming both numbers. */
  whenHeld(count: number, timeoutMs = 10_000): Promise<void> {
    if (!Number.isInteger(count) || count < 1)
      throw new TypeError(`whenHeld: count must be an integer >= 1, got ${count}`);
    if (this.#held.length >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const watcher = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#watchers = this.#watchers.filter((w) => w !== watcher);
        reject(
          new Error(
            `whenHeld: ${this.#held.length} of ${count} requests held after ${timeoutMs} ms${this.#holding ? '' : ' (not holding: call hold() first)'}`,
          ),
        );
      }, timeoutMs);
      timer.unref?.();
      this.#watchers.push(watcher);
    });
  }
}

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
    if (path === '/__emulator/stats' && method === 'GET')
      return [200, { requestCount: emulator.requestCount, held: emulator.held }];
    if (path === '/__emulator/hold' && method === 'POST') {
      emulator.hold();
      return OK;
    }
    if (path === '/__emulator/release' && method === 'POST') return [200, { released: emulator.release() }];
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
  'POST /__emulator/hold',
  'POST /__emulator/release',
  'GET /__emulator/held?count={n}&timeoutMs={ms}',
  'POST /__emulator/reset',
  'PUT /__emulator/projects/{id}/buckets',
  'POST /__emulator/tokens',
];

/** `GET /__emulator/held?count=N&timeoutMs=T`: answers once N answers are held (200), or 408 after T ms. */
async function heldAnswer(emulator: Emulator, query: URLSearchParams): Promise<ControlAnswer> {
  if (!query.has('count')) return [200, { held: emulator.held }];
  const count = Number(query.get('count'));
  const timeoutMs = query.has('timeoutMs') ? Number(query.get('timeoutMs')) : 10_000;
  if (!Number.isInteger(count) || count < 1) return [400, { error: 'count must be an integer >= 1' }];
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 600_000)
    return [400, { error: 'timeoutMs must be an integer from 0 to 600000' }];
  try {
    await emulator.whenHeld(count, timeoutMs);
    return [200, { held: emulator.held }];
  } catch (err) {
    return [408, { error: (err as Error).message, held: emulator.held }];
  }
}

export async function handleControl(
  emulator: Emulator,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: Buffer,
  query: URLSearchParams = new URLSearchParams(),
): Promise<void> {
  const [status, value] =
    path === '/__emulator/held' && req.method === 'GET'
      ? await heldAnswer(emulator, query)
      : controlAnswer(emulator, req.method, path, body);
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}
