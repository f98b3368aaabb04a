// Which Redis the fleet shares state through, read from the environment: one server (REDIS_URL), a
// Redis Cluster (REDIS_CLUSTER_NODES) or a Sentinel-guarded master (REDIS_SENTINELS). Pure parsing
// (no ioredis here: a gateway without Redis never loads it); a password never reaches a message.
import { readFileSync } from 'node:fs';
import { DbssConfigError, type Env } from '@dbss-obs/core';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

interface RedisAuth {
  /** ACL user (Redis 6+); unset: the default user. */
  username?: string;
  /** Never logged, never in an error or metric. */
  password?: string;
  /** TLS (`rediss://` or REDIS_TLS=1), with the PEM of REDIS_TLS_CA_FILE when set. */
  tls?: { ca?: string };
}

export type RedisConnection =
  | ({ topology: 'single'; node: RedisNodeAddress; db: number } & RedisAuth)
  | ({ topology: 'cluster'; nodes: RedisNodeAddress[] } & RedisAuth)
  | ({ topology: 'sentinel'; sentinels: RedisNodeAddress[]; master: string; db: number } & RedisAuth);

/** The variables that choose a topology: setting more than one is an error. */
export const REDIS_TOPOLOGY_VARIABLES = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const;

function fail(variable: string, message: string): never {
  throw new DbssConfigError(`${variable} ${message}`, { variable });
}

function set(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

function port(raw: string): number | undefined {
  return /^\d{1,5}$/.test(raw) && Number(raw) >= 1 && Number(raw) <= 65535 ? Number(raw) : undefined;
}

/** `host:port,host:port` (IPv6 as `[::1]:port`); entries are addresses, never secrets, so one may be echoed. */
function nodeList(env: Env, name: string): RedisNodeAddress[] {
  const entries = (env[name] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  return entries.map((entry, i) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@[\]]+):([^:]+)$/.exec(entry);
    const p = m ? port(m[2]!) : undefined;
    if (!m || p === undefined)
      fail(name, `entry ${i + 1} ("${entry.slice(0, 60)}") is not host:port; write e.g. 10.0.0.1:6379,10.0.0.2:6379.`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: p };
  });
}

function tlsOf(env: Env, on: boolean): RedisAuth['tls'] {
  const caFile = set(env, 'REDIS_TLS_CA_FILE');
  if (!caFile) return on ? {} : undefined;
  if (!on)
    fail(
      'REDIS_TLS_CA_FILE',
      'is set but the connection is not TLS: use a rediss:// REDIS_URL, or REDIS_TLS=1 with REDIS_CLUSTER_NODES or REDIS_SENTINELS.',
    );
  let ca: string;
  try {
    ca = readFileSync(caFile, 'utf8');
  } catch (err) {
    fail('REDIS_TLS_CA_FILE', `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): give a PEM file.`);
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----'))
    fail('REDIS_TLS_CA_FILE', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----).');
  return { ca };
}

function tlsFlag(env: Env): boolean {
  const raw = set(env, 'REDIS_TLS')?.toLowerCase();
  if (raw === undefined) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  fail('REDIS_TLS', `must be 1 or 0 (got "${raw.slice(0, 10)}").`);
}

function singleFromUrl(env: Env, raw: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    // The value may hold a password: never echo it.
    fail('REDIS_URL', 'is not a URL; write redis://[user:password@]host:port[/db] or rediss://… for TLS.');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    fail('REDIS_URL', 'must start with redis:// or rediss:// (TLS), e.g. redis://127.0.0.1:6379/0.');
  if (!u.hostname) fail('REDIS_URL', 'has no host; write redis://[user:password@]host:port[/db].');
  const p = u.port ? port(u.port) : 6379;
  if (p === undefined) fail('REDIS_URL', 'has a bad port.');
  const path = u.pathname.replace(/^\/+/, '');
  if (path && !/^\d{1,2}$/.test(path)) fail('REDIS_URL', 'has a bad database: the path must be a number (/0 to /15).');
  if (u.search || u.hash) fail('REDIS_URL', 'must have no query or fragment; TLS options come from REDIS_TLS_CA_FILE.');
  for (const other of ['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_TLS'])
    if (set(env, other))
      fail(
        other,
        'is for REDIS_CLUSTER_NODES or REDIS_SENTINELS; with REDIS_URL put the user and password in the URL (rediss:// for TLS).',
      );
  let username: string | undefined;
  let password: string | undefined;
  try {
    username = decodeURIComponent(u.username) || undefined;
    password = decodeURIComponent(u.password) || undefined;
  } catch {
    fail('REDIS_URL', 'has a user or password that is not valid percent-encoding.');
  }
  return {
    topology: 'single',
    node: { host: u.hostname.replace(/^\[|\]$/g, ''), port: p },
    db: path ? Number(path) : 0,
    username,
    password,
    tls: tlsOf(env, u.protocol === 'rediss:'),
  };
}

/** The Redis to share state through, or undefined when none of the topology variables is set. */
export function redisConnectionFromEnv(env: Env): RedisConnection | undefined {
  const chosen = REDIS_TOPOLOGY_VARIABLES.filter((v) => set(env, v));
  if (chosen.length > 1)
    fail(
      chosen[0]!,
      `and ${chosen.slice(1).join(' and ')} are set together: set only one (REDIS_URL for one server, REDIS_CLUSTER_NODES for a Redis Cluster, REDIS_SENTINELS for Sentinel).`,
    );
  if (set(env, 'REDIS_SENTINEL_MASTER') && chosen[0] !== 'REDIS_SENTINELS')
    fail('REDIS_SENTINEL_MASTER', 'is set without REDIS_SENTINELS (host:port,… of the sentinels).');
  if (chosen.length === 0) {
    for (const other of ['REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_TLS', 'REDIS_TLS_CA_FILE'])
      if (set(env, other))
        fail(other, 'is set but no Redis is: set REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS.');
    return undefined;
  }
  if (chosen[0] === 'REDIS_URL') return singleFromUrl(env, set(env, 'REDIS_URL')!);
  const auth: RedisAuth = {
    username: set(env, 'REDIS_USERNAME'),
    password: env.REDIS_PASSWORD || undefined,
    tls: tlsOf(env, tlsFlag(env)),
  };
  if (auth.username && !auth.password) fail('REDIS_PASSWORD', 'must be set with REDIS_USERNAME.');
  if (chosen[0] === 'REDIS_CLUSTER_NODES') {
    const nodes = nodeList(env, 'REDIS_CLUSTER_NODES');
    if (nodes.length === 0) fail('REDIS_CLUSTER_NODES', 'lists no node; write host:port,host:port.');
    return { topology: 'cluster', nodes, ...auth };
  }
  const sentinels = nodeList(env, 'REDIS_SENTINELS');
  if (sentinels.length === 0) fail('REDIS_SENTINELS', 'lists no sentinel; write host:port,host:port.');
  const master = set(env, 'REDIS_SENTINEL_MASTER');
  if (!master)
    fail('REDIS_SENTINEL_MASTER', 'must be set with REDIS_SENTINELS: the name the sentinels monitor (e.g. mymaster).');
  return { topology: 'sentinel', sentinels, master, db: 0, ...auth };
}

/** What logs say about the Redis in use: topology and addresses, never a user or password. */
export function describeRedis(c: RedisConnection): string {
  const addr = (n: RedisNodeAddress) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`);
  const more = (list: RedisNodeAddress[]) => `${addr(list[0]!)}${list.length > 1 ? ` (+${list.length - 1})` : ''}`;
  const tls = c.tls ? ' tls' : '';
  if (c.topology === 'single') return `${addr(c.node)}${tls}`;
  if (c.topology === 'cluster') return `cluster ${more(c.nodes)}${tls}`;
  return `sentinel ${c.master} via ${more(c.sentinels)}${tls}`;
}
