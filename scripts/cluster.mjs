// `pnpm start:cluster`: the demo as a fleet — the DBSS emulator, a redis-server on a free port and
// 3 gateway replicas (ports 4001–4003) sharing cache, coalescing and rate limits through Redis.
// Also the one home for starting redis-server and gateway processes: the fleet tests and
// bench/fleet.mjs import startRedis / startGateway from here.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const GATEWAY_BIN = fileURLToPath(new URL('../apps/gateway/dist/main.js', import.meta.url));

export const REDIS_INSTALL_HINT =
  'redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; ' +
  'macOS: brew install redis) and run again.';

/** The redis-server binary to run, or undefined when there is none. */
export function findRedisServer() {
  const bin = 'redis-server';
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? bin : undefined;
}

/** A free TCP port on 127.0.0.1 (redis-server cannot pick one itself: its port 0 means "no TCP"). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves with `m` once `pattern` matches the stream's text, rejects if the child exits first. */
function waitFor(child, stream, pattern, what, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => done(new Error(`${what} did not start within ${timeoutMs} ms:\n${buf}`)), timeoutMs);
    const onData = (d) => {
      buf += d;
      const m = pattern.exec(buf);
      if (m) done(undefined, m);
    };
    const onExit = (code, signal) => done(new Error(`${what} exited (${signal ?? code}) before it was ready:\n${buf}`));
    function done(err, m) {
      clearTimeout(timer);
      stream.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m);
    }
    stream.on('data', onData);
    child.once('exit', onExit);
  });
}

function stopChild(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/**
 * Starts a throwaway redis-server on 127.0.0.1 (a free port unless `port` is given), with no
 * persistence. Rejects with `code: 'REDIS_MISSING'` when redis-server is not installed.
 * `kill(signal)` stops it; `restart()` starts it again on the same port.
 */
export async function startRedis({ port } = {}) {
  const bin = findRedisServer();
  if (!bin) throw Object.assign(new Error(REDIS_INSTALL_HINT), { code: 'REDIS_MISSING' });
  const p = port ?? (await freePort());
  const redis = { port: p, url: `redis://127.0.0.1:${p}`, child: undefined };
  const launch = async () => {
    const child = spawn(
      bin,
      ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stderr.resume();
    redis.child = child;
    await waitFor(child, child.stdout, /Ready to accept connections/, `redis-server on port ${p}`);
    child.stdout.resume();
  };
  await launch();
  redis.kill = (signal = 'SIGTERM') => stopChild(redis.child, signal);
  redis.restart = async () => {
    await stopChild(redis.child, 'SIGKILL');
    await launch();
  };
  return redis;
}

/**
 * Starts one gateway bin (apps/gateway/dist/main.js) with `env` on top of a clean environment.
 * Resolves with `{ url, graphql, child, stderr(), stop(signal) }` once it listens.
 */
export async function startGateway(env, { port = 0, onLine } = {}) {
  const child = spawn(process.execPath, [GATEWAY_BIN], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const keep = (d) => {
    for (const line of String(d).split('\n').filter(Boolean)) {
      lines.push(line);
      onLine?.(line);
    }
    if (lines.length > 500) lines.splice(0, lines.length - 500);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const m = await waitFor(child, child.stderr, /listening on (http:\/\/\S+)\/graphql/, 'dbss-obs-gateway');
  return {
    url: m[1],
    graphql: `${m[1]}/graphql`,
    child,
    /** What the process printed (logs and banner), newest last. */
    output: () => lines.join('\n'),
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}

/** Starts `count` replicas with the same environment; ports from `basePort` (0: free ports). */
export async function startReplicas(count, env, { basePort = 0, onLine } = {}) {
  const started = [];
  try {
    for (let i = 0; i < count; i++)
      started.push(
        await startGateway(env, { port: basePort ? basePort + i : 0, onLine: onLine && ((l) => onLine(i, l)) }),
      );
  } catch (err) {
    await Promise.all(started.map((g) => g.stop()));
    throw err;
  }
  return started;
}

async function main() {
  if (!findRedisServer()) {
    process.stderr.write(`start:cluster: ${REDIS_INSTALL_HINT}\n`);
    return 2;
  }
  const { DEMO_PROJECT_ID, DEMO_TOKEN, startEmulator } = await import('../packages/emulator/dist/index.js');
  const emulator = await startEmulator({ port: 0 });
  const redis = await startRedis();
  const env = {
    DBSS_ENDPOINT: emulator.url,
    REDIS_URL: redis.url,
    // A fresh store secret for this run (every replica the same; never printed): keys and values in Redis are HMACed.
    GATEWAY_STORE_SECRET: process.env.GATEWAY_STORE_SECRET ?? randomBytes(32).toString('base64url'),
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    GATEWAY_CACHE_TTL_MS: process.env.GATEWAY_CACHE_TTL_MS ?? '5000',
    GATEWAY_STALE_MS: process.env.GATEWAY_STALE_MS ?? '300000',
    GATEWAY_RATE_LIMIT: process.env.GATEWAY_RATE_LIMIT ?? '600',
    GATEWAY_UPSTREAM_RPS: process.env.GATEWAY_UPSTREAM_RPS ?? '20',
  };
  let replicas;
  try {
    // Replicas log warnings (e.g. Redis going away) here, prefixed with their number.
    replicas = await startReplicas(3, env, {
      basePort: 4001,
      onLine: (i, line) => line.startsWith('{') && process.stderr.write(`[replica ${i + 1}] ${line}\n`),
    });
  } catch (err) {
    process.stderr.write(`start:cluster: ${err.message.split('\n').slice(0, 3).join('\n')}\n`);
    await redis.kill();
    await emulator.close();
    return 2;
  }
  const query = `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName location } }`;
  const body = JSON.stringify({ query });
  process.stderr.write(
    [
      'dbss-obs fleet: 3 gateway replicas sharing one Redis',
      `Emulator:  ${emulator.url}   (DBSS stand-in)`,
      `Redis:     ${redis.url}   (throwaway redis-server, no persistence)`,
      ...replicas.map((r, i) => `Replica ${i + 1}: ${r.graphql}   metrics: ${r.url}/metrics`),
      `Token:     ${DEMO_TOKEN}`,
      `Project:   ${DEMO_PROJECT_ID}`,
      `Shared:    cache ${env.GATEWAY_CACHE_TTL_MS} ms, stale ${env.GATEWAY_STALE_MS} ms, ${env.GATEWAY_RATE_LIMIT} req/min per caller, ${env.GATEWAY_UPSTREAM_RPS} upstream req/s for the fleet`,
      `Try:       for p in 4001 4002 4003; do curl -s http://127.0.0.1:$p/graphql -H 'Content-Type: application/json' -H 'X-Auth-Token: ${DEMO_TOKEN}' -d '${body}'; echo; done`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  return new Promise((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await Promise.all(replicas.map((r) => r.stop()));
      await redis.kill();
      await emulator.close();
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    for (const r of replicas)
      r.child.once('exit', (code) => {
        if (!stopping) process.stderr.write(`start:cluster: a replica exited (${code}); stopping the fleet\n`);
        void stop();
      });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`start:cluster: ${err.message}\n`);
      process.exit(1);
    },
  );
}
