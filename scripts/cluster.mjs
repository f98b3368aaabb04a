// `pnpm start:cluster [-- --redis single|cluster|sentinel]`: the demo as a fleet — the DBSS emulator,
// Redis (one server, a 3+3 Redis Cluster or a master + replica under 3 sentinels, on free ports) and
// 3 gateway replicas (ports 4001–4003) sharing cache, coalescing and rate limits through it.
// Also the one home for starting redis-server and gateway processes: the fleet tests and
// bench/fleet.mjs import startRedis / startRedisCluster / startSentinels / startGateway from here.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GATEWAY_BIN = fileURLToPath(new URL('../apps/gateway/dist/main.js', import.meta.url));

export const REDIS_INSTALL_HINT =
  'redis-server is not installed. Install it (Debian/Ubuntu: sudo apt-get install redis-server; ' +
  'macOS: brew install redis) and run again.';

export const REDIS_CLI_INSTALL_HINT =
  'redis-cli is not installed (it makes Redis Clusters and asks sentinels). Install it (Debian/Ubuntu: ' +
  'sudo apt-get install redis-tools; macOS: brew install redis) and run again.';

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
function waitFor(child, stream, pattern, what, timeoutMs = 30_000) {
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

// Every process this module starts that still runs (redis-server, sentinels, redis-cli, gateway
// replicas), and every scratch directory it makes: what an interrupted `start:cluster` stops and
// removes (stopEverything).
const children = new Set();
const scratchDirs = new Set();

let closing = false;

/** `child`, tracked until it exits (killed at once if everything is being stopped). */
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (closing) child.kill('SIGKILL');
  return child;
}

/** A new directory under the system's temporary one, tracked (its owner's kill() removes it too). */
function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratchDirs.add(dir);
  return dir;
}

/** Stops every process this module started and removes its scratch directories. */
async function stopEverything() {
  closing = true;
  // A child that never started (no pid: a missing binary) has no exit to wait for.
  const running = [...children].filter((child) => child.pid !== undefined);
  await Promise.all(running.map((child) => stopChild(child, 'SIGKILL')));
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
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
 * `args`: more redis-server options (e.g. `['--cluster-enabled', 'yes']`). `tls` ({ cert, key, ca }
 * files): the port is a `--tls-port` and plain TCP is off. `kill(signal)` stops it; `restart()`
 * starts it again on the same port.
 */
export async function startRedis({ port, args = [], tls } = {}) {
  const bin = findRedisServer();
  if (!bin) throw Object.assign(new Error(REDIS_INSTALL_HINT), { code: 'REDIS_MISSING' });
  const p = port ?? (await freePort());
  const redis = { port: p, url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${p}`, child: undefined };
  const listen = tls
    ? ['--port', '0', '--tls-port', String(p), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
    : ['--port', String(p)];
  if (tls) listen.push('--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no');
  // A replica writes the snapshot it syncs from its master to its directory: never the caller's cwd.
  // Its own directory, made on each launch and removed by kill().
  const scratch = args.includes('--dir') ? undefined : scratchDir('dbss-redis-');
  const dir = scratch ? ['--dir', scratch] : [];
  const launch = async () => {
    if (scratch) mkdirSync(scratch, { recursive: true });
    const child = track(
      spawn(
        bin,
        [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...dir, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    child.stderr.resume();
    redis.child = child;
    await waitFor(child, child.stdout, /Ready to accept connections/, `redis-server on port ${p}`);
    child.stdout.resume();
  };
  await launch();
  redis.kill = async (signal = 'SIGTERM') => {
    await stopChild(redis.child, signal);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  redis.restart = async () => {
    await stopChild(redis.child, 'SIGKILL');
    await launch();
  };
  return redis;
}

/** Runs redis-cli with `args`; resolves with its output (trimmed). */
export function redisCli(args, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    track(
      execFile('redis-cli', args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err?.code === 'ENOENT') reject(Object.assign(new Error(REDIS_CLI_INSTALL_HINT), { code: 'REDIS_MISSING' }));
        else if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout.trim());
      }),
    );
  });
}

/** Polls `check` (async, truthy = done) every 100 ms; rejects naming `what` after `timeoutMs`. */
async function until(check, what, timeoutMs = 30_000) {
  const t0 = Date.now();
  for (;;) {
    const ok = await Promise.resolve()
      .then(check)
      .catch(() => false);
    if (ok) return ok;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The role of the redis-server on `port` ('master', 'slave', …), or undefined when it does not answer. */
export async function roleOf(port, cli = []) {
  return (await redisCli([...cli, '-p', String(port), 'role'], 2000).catch(() => '')).split('\n')[0] || undefined;
}

/**
 * A Redis Cluster on free loopback ports: `masters` masters with `replicas` replicas each (redis-cli
 * --cluster create), node timeout `nodeTimeoutMs` (a killed master's replica takes over ~2 node
 * timeouts later). Resolves once every node sees the cluster ok and every replica is in sync.
 * `tls` ({ cert, key, ca }, from makeTlsFiles): clients, the cluster bus and replication all on TLS.
 * `user`/`password`: an ACL user with every right, the default user off (replicas sync as that user).
 * `nodes`: the RedisServer of each; `env`: REDIS_CLUSTER_NODES (+ REDIS_USERNAME, REDIS_PASSWORD,
 * REDIS_TLS, REDIS_TLS_CA_FILE); `cli`: the redis-cli options that reach a node; `masterOf(key)` /
 * `replicaOf(port)`.
 */
export async function startRedisCluster({ masters = 3, replicas = 1, nodeTimeoutMs = 1000, tls, user, password } = {}) {
  const dir = scratchDir('dbss-redis-cluster-');
  const nodes = [];
  const cli = [
    ...(tls ? ['--tls', '--cacert', tls.ca] : []),
    ...(user ? ['--user', user, '--pass', password, '--no-auth-warning'] : []),
  ];
  const cluster = {
    nodes,
    dir,
    env: {},
    cli,
    async kill(signal = 'SIGTERM') {
      await Promise.all(nodes.map((n) => n.kill(signal)));
      rmSync(dir, { recursive: true, force: true });
    },
    /** Ports of the nodes that are masters now. */
    async masters() {
      const roles = await Promise.all(nodes.map(async (n) => [n.port, await roleOf(n.port, cli)]));
      return roles.filter(([, r]) => r === 'master').map(([p]) => p);
    },
    /** The node (port) that owns `key`'s slot now. */
    async masterOf(key) {
      const alive = nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null);
      const slot = Number(await redisCli([...cli, '-p', String(alive.port), 'cluster', 'keyslot', key]));
      const lines = (await redisCli([...cli, '-p', String(alive.port), 'cluster', 'nodes'])).split('\n');
      for (const line of lines) {
        const f = line.split(' ');
        if (!f[2].includes('master') || f[2].includes('fail')) continue;
        for (const range of f.slice(8)) {
          const [a, b = a] = range.split('-').map(Number);
          if (slot >= a && slot <= b) return Number(f[1].split(':')[1].split('@')[0]);
        }
      }
      throw new Error(`no master owns slot ${slot}`);
    },
    /** The port of the replica of the master on `port`. */
    async replicaOf(port) {
      const lines = (await redisCli([...cli, '-p', String(port), 'cluster', 'nodes'])).split('\n');
      const me = lines.find((l) => l.includes('myself'))?.split(' ')[0];
      const rep = lines.find((l) => l.split(' ')[3] === me);
      return Number(rep.split(' ')[1].split(':')[1].split('@')[0]);
    },
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      nodes.push(
        await startRedis({
          port,
          tls,
          args: [
            ...(tls ? ['--tls-cluster', 'yes', '--tls-replication', 'yes'] : []),
            ...(user ? ['--user', 'default', 'off', '--user', user, 'on', `>${password}`, '~*', '&*', '+@all'] : []),
            ...(user ? ['--masteruser', user, '--masterauth', password] : []),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            '--dir',
            dir,
          ],
        }),
      );
    }
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await redisCli(
      [...cli, '--cluster', 'create', ...addrs, '--cluster-replicas', String(replicas), '--cluster-yes'],
      60_000,
    );
    await until(async () => {
      for (const n of nodes) {
        const info = await redisCli([...cli, '-p', String(n.port), 'cluster', 'info']);
        if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${nodes.length}`)) return false;
        const repl = await redisCli([...cli, '-p', String(n.port), 'info', 'replication']);
        if (repl.includes('role:slave') && !repl.includes('master_link_status:up')) return false;
      }
      return true;
    }, 'Redis Cluster ready');
    cluster.env = { REDIS_CLUSTER_NODES: addrs.join(',') };
    if (user) Object.assign(cluster.env, { REDIS_USERNAME: user, REDIS_PASSWORD: password });
    if (tls) Object.assign(cluster.env, { REDIS_TLS: '1', REDIS_TLS_CA_FILE: tls.ca });
    return cluster;
  } catch (err) {
    await cluster.kill('SIGKILL');
    throw err;
  }
}

/**
 * A Sentinel group on free loopback ports: a master, `replicas` replicas and `sentinels` sentinels
 * (quorum 2) monitoring `name`, with `down-after-milliseconds` = `downAfterMs`. Resolves once every
 * sentinel knows the replicas and the other sentinels. `env`: REDIS_SENTINELS + REDIS_SENTINEL_MASTER.
 */
export async function startSentinels({ name = 'dbssmaster', replicas = 1, sentinels = 3, downAfterMs = 1000 } = {}) {
  const dir = scratchDir('dbss-redis-sentinel-');
  const group = { name, dir, master: undefined, replicas: [], sentinels: [], env: {} };
  group.kill = async (signal = 'SIGTERM') => {
    await Promise.all([group.master, ...group.replicas, ...group.sentinels].filter(Boolean).map((n) => n.kill(signal)));
    rmSync(dir, { recursive: true, force: true });
  };
  /** Port of the master the sentinels name now. */
  group.currentMaster = async () => {
    for (const s of group.sentinels) {
      const out = await redisCli(['-p', String(s.port), 'sentinel', 'get-master-addr-by-name', name], 2000).catch(
        () => '',
      );
      if (out) return Number(out.split('\n')[1]);
    }
    return undefined;
  };
  try {
    group.master = await startRedis();
    for (let i = 0; i < replicas; i++)
      group.replicas.push(await startRedis({ args: ['--replicaof', '127.0.0.1', String(group.master.port)] }));
    for (let i = 0; i < sentinels; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${group.master.port} 2`,
          `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
          `sentinel failover-timeout ${name} ${Math.max(3000, downAfterMs * 3)}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const child = track(spawn(findRedisServer(), [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] }));
      child.stderr.resume();
      await waitFor(child, child.stdout, /\+monitor master/, `redis sentinel on port ${port}`);
      child.stdout.resume();
      group.sentinels.push({ port, child, kill: (signal = 'SIGTERM') => stopChild(child, signal) });
    }
    await until(async () => {
      for (const s of group.sentinels) {
        const p = String(s.port);
        const reps = await redisCli(['-p', p, 'sentinel', 'replicas', name]);
        const others = await redisCli(['-p', p, 'sentinel', 'sentinels', name]);
        const seen = (text) => text.split('\n').filter((l) => l === 'name').length;
        if (seen(reps) < replicas || seen(others) < sentinels - 1) return false;
      }
      for (const r of group.replicas) {
        if (!(await redisCli(['-p', String(r.port), 'info', 'replication'])).includes('master_link_status:up'))
          return false;
      }
      return true;
    }, 'Sentinel group ready');
    group.env = {
      REDIS_SENTINELS: group.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_SENTINEL_MASTER: name,
    };
    return group;
  } catch (err) {
    await group.kill('SIGKILL');
    throw err;
  }
}

/**
 * A private CA and a certificate it signs (for 127.0.0.1 and localhost; serverAuth and clientAuth:
 * on a TLS cluster bus each node also connects to the others with it), made with openssl in
 * `dir`: resolves { ca, cert, key } file paths.
 */
export async function makeTlsFiles(dir) {
  const run = (args) =>
    new Promise((resolve, reject) =>
      execFile('openssl', args, { cwd: dir, timeout: 30_000 }, (err, _o, stderr) => {
        if (err?.code === 'ENOENT')
          reject(
            new Error(
              'openssl is not installed (Debian/Ubuntu: sudo apt-get install openssl) and the TLS tests need it.',
            ),
          );
        else if (err) reject(new Error(`openssl ${args[0]}: ${stderr || err.message}`));
        else resolve();
      }),
    );
  writeFileSync(
    join(dir, 'ext.cnf'),
    'basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  await run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-subj',
    '/CN=dbss-obs test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  await run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    'server.pem',
    '-extfile',
    'ext.cnf',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/**
 * Starts one gateway bin (apps/gateway/dist/main.js) with `env` on top of a clean environment.
 * Resolves with `{ url, graphql, child, stderr(), stop(signal) }` once it listens.
 */
export async function startGateway(env, { port = 0, onLine } = {}) {
  const child = track(
    spawn(process.execPath, [GATEWAY_BIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
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

/** The Redis topologies `pnpm start:cluster -- --redis <kind>` and bench/fleet.mjs can start. */
export const TOPOLOGIES = ['single', 'cluster', 'sentinel'];

/**
 * Starts one Redis topology on free loopback ports: `single` (one redis-server), `cluster` (3 masters
 * + 3 replicas) or `sentinel` (master + replica, 3 sentinels). Resolves { kind, env (the gateway's
 * REDIS_* variables), lines (what to print), pids, kill(signal) }.
 */
export async function startTopology(kind = 'single') {
  if (kind === 'cluster') {
    const c = await startRedisCluster();
    const masters = await c.masters();
    return {
      kind,
      env: c.env,
      pids: c.nodes.map((n) => n.child.pid),
      lines: [
        `Redis:     Redis Cluster, masters ${masters.join(', ')}, replicas ${c.nodes
          .filter((n) => !masters.includes(n.port))
          .map((n) => n.port)
          .join(', ')} (127.0.0.1)`,
      ],
      kill: (signal) => c.kill(signal),
    };
  }
  if (kind === 'sentinel') {
    const g = await startSentinels();
    return {
      kind,
      env: g.env,
      pids: [g.master, ...g.replicas].map((n) => n.child.pid),
      lines: [
        `Redis:     master ${g.master.port}, replica ${g.replicas.map((r) => r.port).join(', ')}; sentinels ${g.sentinels.map((x) => x.port).join(', ')} watching "${g.name}" (127.0.0.1)`,
      ],
      kill: (signal) => g.kill(signal),
    };
  }
  const r = await startRedis();
  return {
    kind: 'single',
    env: { REDIS_URL: r.url },
    pids: [r.child.pid],
    lines: [`Redis:     ${r.url}   (throwaway redis-server, no persistence)`],
    kill: (signal) => r.kill(signal),
  };
}

/** `--redis <kind>` or `--redis=<kind>` from argv (pnpm may pass a `--` first); default single. */
function topologyArg(argv) {
  const i = argv.findIndex((a) => a === '--redis' || a.startsWith('--redis='));
  if (i === -1) return 'single';
  return argv[i].includes('=') ? argv[i].slice('--redis='.length) : argv[i + 1];
}

async function main() {
  const kind = topologyArg(process.argv.slice(2));
  if (!TOPOLOGIES.includes(kind)) {
    process.stderr.write(
      `start:cluster: --redis must be one of ${TOPOLOGIES.join(', ')} (got "${String(kind).slice(0, 20)}").\n`,
    );
    return 2;
  }
  if (!findRedisServer()) {
    process.stderr.write(`start:cluster: ${REDIS_INSTALL_HINT}\n`);
    return 2;
  }
  if (kind !== 'single' && spawnSync('redis-cli', ['--version']).status !== 0) {
    process.stderr.write(`start:cluster: ${REDIS_CLI_INSTALL_HINT}\n`);
    return 2;
  }
  // Until the fleet is up, Ctrl-C (or SIGTERM) stops whatever has started so far and exits 0, as a
  // stop of the running fleet does: an interrupted start leaves no redis-server, sentinel or replica.
  let interrupting = false;
  const interrupted = async () => {
    if (interrupting) return; // pnpm passes Ctrl-C on a second time
    interrupting = true;
    process.stderr.write('start:cluster: interrupted while starting; stopping what had started\n');
    await stopEverything();
    process.exit(0);
  };
  process.on('SIGINT', interrupted);
  process.on('SIGTERM', interrupted);
  process.stderr.write(`start:cluster: starting Redis topology "${kind}"…\n`);
  const { DEMO_PROJECT_ID, DEMO_TOKEN, startEmulator } = await import('../packages/emulator/dist/index.js');
  const emulator = await startEmulator({ port: 0 });
  let redis;
  try {
    redis = await startTopology(kind);
  } catch (err) {
    // A start interrupted on purpose kills what it was waiting for: that is no failure to report.
    if (!closing) process.stderr.write(`start:cluster: ${err.message.split('\n').slice(0, 3).join('\n')}\n`);
    await emulator.close();
    return 2;
  }
  const env = {
    DBSS_ENDPOINT: emulator.url,
    ...redis.env,
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
    // A start interrupted on purpose kills what it was waiting for: that is no failure to report.
    if (!closing) process.stderr.write(`start:cluster: ${err.message.split('\n').slice(0, 3).join('\n')}\n`);
    await redis.kill();
    await emulator.close();
    return 2;
  }
  const query = `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName location } }`;
  const body = JSON.stringify({ query });
  // Signals are handled before the banner says Ctrl-C works: a Ctrl-C right after it still stops the fleet.
  if (interrupting) return new Promise(() => {}); // interrupted() exits
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  const stopped = new Promise((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await Promise.all(replicas.map((r) => r.stop()));
      await redis.kill();
      await emulator.close();
      resolve(0);
    };
    // `on`, not `once`: pnpm passes Ctrl-C on a second time, and `stop` ignores the repeat.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    for (const r of replicas)
      r.child.once('exit', (code) => {
        if (!stopping) process.stderr.write(`start:cluster: a replica exited (${code}); stopping the fleet\n`);
        void stop();
      });
  });
  process.stderr.write(
    [
      `dbss-obs fleet: 3 gateway replicas sharing Redis (topology: ${redis.kind})`,
      `Emulator:  ${emulator.url}   (DBSS stand-in)`,
      ...redis.lines,
      ...replicas.map((r, i) => `Replica ${i + 1}: ${r.graphql}   metrics: ${r.url}/metrics`),
      `Token:     ${DEMO_TOKEN}`,
      `Project:   ${DEMO_PROJECT_ID}`,
      `Shared:    cache ${env.GATEWAY_CACHE_TTL_MS} ms, stale ${env.GATEWAY_STALE_MS} ms, ${env.GATEWAY_RATE_LIMIT} req/min per caller, ${env.GATEWAY_UPSTREAM_RPS} upstream req/s for the fleet`,
      `Try:       for p in 4001 4002 4003; do curl -s http://127.0.0.1:$p/graphql -H 'Content-Type: application/json' -H 'X-Auth-Token: ${DEMO_TOKEN}' -d '${body}'; echo; done`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
  return stopped;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // When interrupted while starting, interrupted() exits once everything has stopped.
  main().then(
    (code) => closing || process.exit(code),
    (err) => {
      if (closing) return;
      process.stderr.write(`start:cluster: ${err.message}\n`);
      process.exit(1);
    },
  );
}
