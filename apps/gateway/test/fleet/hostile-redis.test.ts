// A hostile Redis: a server that speaks the protocol and answers with what neither Redis nor the
// gateway's scripts ever give (forged values, "the lock is held" forever, impossible rate-limit waits,
// status or error replies to everything). The bin must answer every caller from DBSS, on time, with
// nothing forged: what Redis says is checked, never believed.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bucketsOf, type Fleet, projectId, STORE_SECRET, startFleet } from './harness.js';

/**
 * status: +OK to every command · errors: an error to every command · lies: well-formed replies with
 * impossible content (no rate limit configured, so values and locks are read) · limit-lies: the same
 * with GATEWAY_RATE_LIMIT, whose script is the first to be lied to.
 */
type Mode = 'status' | 'errors' | 'lies' | 'limit-lies';

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** One RESP array of bulk strings from the front of `buf`: [args, rest], or undefined when incomplete. */
function parseCommand(buf: Buffer): [string[], Buffer] | undefined {
  const end = buf.indexOf('\r\n');
  if (end < 0) return undefined;
  if (buf[0] !== 0x2a) return [buf.subarray(0, end).toString().split(' '), buf.subarray(end + 2)];
  const n = Number(buf.subarray(1, end).toString());
  const args: string[] = [];
  let p = end + 2;
  for (let k = 0; k < n; k++) {
    const j = buf.indexOf('\r\n', p);
    if (j < 0) return undefined;
    const len = Number(buf.subarray(p + 1, j).toString());
    if (buf.length < j + 2 + len + 2) return undefined;
    args.push(buf.subarray(j + 2, j + 2 + len).toString());
    p = j + 2 + len + 2;
  }
  return [args, buf.subarray(p)];
}

/** What a forged kept answer would look like, were it believed: made-up buckets, dated in the future. */
const FORGED = JSON.stringify({
  at: Date.now() + 86_400_000,
  asked: Date.now() + 86_400_000,
  outcome: { ok: true, buckets: [{ bucketName: 'forged-bucket', location: 'nowhere' }] },
});

function reply(mode: Mode, args: string[]): string {
  const cmd = (args[0] ?? '').toUpperCase();
  // Enough of a handshake for a client to call it ready.
  if (cmd === 'INFO') return bulk('# Server\r\nredis_version:7.0.0\r\nloading:0\r\n');
  if (cmd === 'PING') return '+PONG\r\n';
  if (cmd === 'SUBSCRIBE') return `*3\r\n${bulk('subscribe')}${bulk(args[1] ?? '')}:1\r\n`;
  if (mode === 'status') return '+OK\r\n';
  if (mode === 'errors') return '-ERR hostile\r\n';
  // 'lies': well-formed replies with impossible content.
  if (cmd === 'EVALSHA' || cmd === 'EVAL') {
    const keys = Number(args[2]);
    // The lock step (3 keys + the peek keys, then 4 arguments): on its first look, forged values under
    // every peek key; after that, "held by someone else", forever.
    if (keys >= 3 && args.length === 3 + keys + 4) {
      const peekFirst = args.at(-1) === '1';
      if (peekFirst && keys > 3) return `*${keys - 1}\r\n:3\r\n${bulk('')}${bulk(FORGED).repeat(keys - 3)}`;
      return `*2\r\n:0\r\n${bulk('someone-else')}`;
    }
    // The GCRA hit (1 key, 4 arguments): refused, for 11 days.
    if (keys === 1 && args.length === 8) return '*3\r\n:0\r\n:999999999\r\n:0\r\n';
    return ':1\r\n';
  }
  if (cmd === 'GET') return bulk(FORGED);
  if (cmd === 'MGET') return `*${args.length - 1}\r\n${args.map(() => bulk(FORGED)).join('')}`;
  return '+OK\r\n';
}

async function hostileRedis(mode: Mode): Promise<{ url: string; server: Server; commands: string[] }> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      for (let r = parseCommand(buf); r; r = parseCommand(buf)) {
        buf = r[1];
        commands.push((r[0][0] ?? '').toUpperCase());
        socket.write(reply(mode, r[0]));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `redis://127.0.0.1:${port}`, server, commands };
}

const TOKEN = 'MIIhostile-redis-caller-token-0001';
const PROJECTS = [projectId(0x301), projectId(0x302)];
const wire = (p: string) => bucketsOf(p).map((b) => ({ bucketName: b.bucket_name, location: b.location }));

describe.each<Mode>(['lies', 'limit-lies', 'status', 'errors'])(
  'a hostile Redis (%s): DBSS answers, nothing forged',
  (mode) => {
    let fleet: Fleet;
    let redis: Awaited<ReturnType<typeof hostileRedis>>;

    beforeAll(async () => {
      redis = await hostileRedis(mode);
      fleet = await startFleet({
        redis: false,
        replicas: 1,
        tokens: { [TOKEN]: { projects: '*' } },
        projects: PROJECTS,
        env: {
          REDIS_URL: redis.url,
          GATEWAY_STORE_SECRET: STORE_SECRET,
          GATEWAY_CACHE_TTL_MS: '60000',
          GATEWAY_STALE_MS: '600000',
          ...(mode === 'limit-lies' ? { GATEWAY_RATE_LIMIT: '1000' } : {}),
          // A waiter stops trusting a lock after one attempt's time and the lock's: 1 s here.
          DBSS_TIMEOUT_MS: '500',
        },
      });
    }, 60_000);
    afterEach(() => fleet.emulator.clearFaults());
    afterAll(async () => {
      await fleet?.close();
      await new Promise((resolve) => redis?.server.close(resolve));
    });

    it('every answer is DBSS’s own, never held for good, never a 5xx, never forged, never rate-limited by Redis', async () => {
      for (let round = 0; round < 2; round++) {
        for (const p of PROJECTS) {
          // (Held by the lie "the lock is held" for one attempt's time and the lock's, 1 s here, at most:
          // then it calls DBSS itself. Without that bound this test runs out of time.)
          const a = await fleet.query(0, TOKEN, p);
          expect(a.status, JSON.stringify(a.body)).toBe(200);
          expect(a.body).toEqual({ data: { obsBuckets: wire(p) } });
          expect(JSON.stringify(a.body)).not.toContain('forged');
        }
      }
      expect(redis.commands.length).toBeGreaterThan(0);
      // The forged values were read, and counted as rejected.
      if (mode === 'lies') expect(await fleet.metric(0, 'dbss_gateway_store_rejected_total')).toBeGreaterThan(0);
    }, 60_000);

    it('with DBSS down, no forged value stands in for it: the caller gets the outage, or what DBSS itself said before', async () => {
      fleet.emulator.fault({ status: 503 });
      for (const p of PROJECTS) {
        const a = await fleet.query(0, TOKEN, p);
        expect(a.status).toBeLessThan(500);
        expect(JSON.stringify(a.body)).not.toContain('forged');
        if (a.body.data?.obsBuckets) expect(a.body.data.obsBuckets).toEqual(wire(p));
        else expect(a.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
      }
    }, 60_000);
  },
);
