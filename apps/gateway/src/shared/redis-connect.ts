// ioredis clients for each topology, with ioredis' own Cluster and Sentinel support. Every client is
// fail-fast: no offline queue, a short command timeout, no retry loop inside a command, so a dead or
// failing-over Redis costs milliseconds and FallbackStore answers from this process meanwhile.
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnection } from './redis-config.js';

export type RedisClient = Redis | Cluster;

export interface RedisClientOptions {
  /** Longest a command may take before it counts as a failure. */
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  /** Commands issued in the same tick go out as one pipeline (not for a subscriber connection). */
  autoPipelining: boolean;
}

// Reconnect quickly at first, then at most once a second.
const reconnect = (times: number) => Math.min(50 * times, 1000);

export function createRedisClient(c: RedisConnection, o: RedisClientOptions): RedisClient {
  const node: RedisOptions = {
    username: c.username,
    password: c.password,
    tls: c.tls ? { ca: c.tls.ca } : undefined,
    commandTimeout: o.commandTimeoutMs,
    connectTimeout: o.connectTimeoutMs,
    maxRetriesPerRequest: 1,
  };
  if (c.topology === 'cluster') {
    const options: ClusterOptions = {
      lazyConnect: true,
      // A command while the cluster is not ready fails at once instead of queueing.
      enableOfflineQueue: false,
      enableAutoPipelining: o.autoPipelining,
      // Per node, ioredis keeps its short offline queue (a node's first command waits for its connect,
      // bounded by commandTimeout); a closed connection or CLUSTERDOWN fails the command at once instead of
      // retrying it for up to maxRedirections × 100 ms: FallbackStore answers from this process meanwhile.
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 0,
      retryDelayOnTryAgain: 50,
      // The slot map follows a MOVED at once. While Redis is failing, the fallback's probe reloads it
      // every second (pingOwners), so a promoted replica is found within a second. Besides, a slow
      // refresh: each one opens a connection and rebuilds the 16,384-slot map (measured: at 1 s it cost
      // each replica about 30 µs of CPU per request at c=50).
      slotsRefreshInterval: 30_000,
      slotsRefreshTimeout: o.connectTimeoutMs,
      clusterRetryStrategy: reconnect,
      redisOptions: node,
    };
    return new Cluster(c.nodes, options);
  }
  const common: RedisOptions = {
    ...node,
    lazyConnect: true,
    // A command while disconnected fails at once instead of queueing behind a reconnect.
    enableOfflineQueue: false,
    enableAutoPipelining: o.autoPipelining,
    retryStrategy: reconnect,
    db: c.db,
  };
  if (c.topology === 'single') return new Redis({ ...common, host: c.node.host, port: c.node.port });
  return new Redis({
    ...common,
    sentinels: c.sentinels,
    name: c.master,
    role: 'master',
    // TLS (when set) is for the master; sentinels are asked in plain TCP.
    enableTLSForSentinelMode: Boolean(c.tls),
    // Told of +switch-master by the sentinels instead of waiting for the old master's socket to die.
    failoverDetector: true,
    sentinelCommandTimeout: o.connectTimeoutMs,
  });
}

/**
 * The error one plain connection to a cluster's first node meets, with the cluster's own options (TLS,
 * user, password), or undefined when it connects and answers. For a failure ioredis' Cluster does not
 * report: it loads the slot map on a connection of its own whose errors it drops, so an untrusted
 * certificate reads as "Connection is closed.". One attempt, no retry: a connect and a PING of at most
 * `timeoutMs` each.
 */
export async function probeClusterNode(c: RedisConnection, timeoutMs: number): Promise<unknown> {
  const node = c.topology === 'cluster' ? c.nodes[0] : undefined;
  if (c.topology !== 'cluster' || !node) return undefined;
  const probe = new Redis({
    host: node.host,
    port: node.port,
    username: c.username,
    password: c.password,
    tls: c.tls ? { ca: c.tls.ca } : undefined,
    lazyConnect: true,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
  });
  let error: unknown;
  probe.on('error', (err: unknown) => {
    error ??= err;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    error ??= err;
  } finally {
    probe.disconnect();
  }
  return error;
}

/**
 * Resolves when Redis can serve every key: the one server or the current Sentinel master answers, or
 * every master that owns slots in the cluster's slot map, reloaded now from a live node, does. A
 * master that died stays in the map until its replica is promoted, so this fails until then (pinging
 * only the connected nodes would pass at once and flap between Redis and the fallback).
 */
export async function pingOwners(client: RedisClient): Promise<void> {
  if (!client.isCluster) {
    await (client as Redis).ping();
    return;
  }
  const cluster = client as Cluster;
  // A master that died is in the map until it is reloaded from a live node: reload it first.
  await new Promise<void>((resolve, reject) => cluster.refreshSlotsCache((err) => (err ? reject(err) : resolve())));
  const owners = new Set<string>();
  for (let slot = 0; slot < 16384; slot++) {
    const owner = cluster.slots[slot]?.[0];
    if (!owner) throw new Error(`cluster slot ${slot} has no master`);
    owners.add(owner);
  }
  const connected = new Map(cluster.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]));
  await Promise.all(
    [...owners].map((key) => {
      const node = connected.get(key);
      if (!node) throw new Error('a cluster master is not connected');
      return node.ping();
    }),
  );
}
