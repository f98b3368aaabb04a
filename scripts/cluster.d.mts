// Types for scripts/cluster.mjs, imported by the gateway's fleet tests.
import type { ChildProcess } from 'node:child_process';

export const GATEWAY_BIN: string;
export const REDIS_INSTALL_HINT: string;
export const REDIS_CLI_INSTALL_HINT: string;
export function findRedisServer(): string | undefined;
export function freePort(): Promise<number>;

export interface RedisServer {
  port: number;
  url: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}
export function startRedis(opts?: {
  port?: number;
  args?: string[];
  tls?: { cert: string; key: string; ca: string };
}): Promise<RedisServer>;

export function redisCli(args: string[], timeoutMs?: number): Promise<string>;
export function roleOf(port: number, cli?: string[]): Promise<string | undefined>;

export interface RedisCluster {
  nodes: RedisServer[];
  dir: string;
  /** REDIS_CLUSTER_NODES for the gateway. */
  env: Record<string, string>;
  /** The redis-cli options (TLS, ACL user) that reach a node. */
  cli: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
  masters(): Promise<number[]>;
  masterOf(key: string): Promise<number>;
  replicaOf(masterPort: number): Promise<number>;
}
export function startRedisCluster(opts?: {
  masters?: number;
  replicas?: number;
  nodeTimeoutMs?: number;
  tls?: { ca: string; cert: string; key: string };
  user?: string;
  password?: string;
}): Promise<RedisCluster>;

export interface SentinelGroup {
  name: string;
  dir: string;
  master: RedisServer;
  replicas: RedisServer[];
  sentinels: { port: number; child: ChildProcess; kill(signal?: NodeJS.Signals): Promise<void> }[];
  /** REDIS_SENTINELS and REDIS_SENTINEL_MASTER for the gateway. */
  env: Record<string, string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  currentMaster(): Promise<number | undefined>;
}
export function startSentinels(opts?: {
  name?: string;
  replicas?: number;
  sentinels?: number;
  downAfterMs?: number;
}): Promise<SentinelGroup>;

export function makeTlsFiles(dir: string): Promise<{ ca: string; cert: string; key: string }>;

export interface GatewayProcess {
  url: string;
  graphql: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}
export function startGateway(
  env: Record<string, string>,
  opts?: { port?: number; onLine?: (line: string) => void },
): Promise<GatewayProcess>;
export function startReplicas(
  count: number,
  env: Record<string, string>,
  opts?: { basePort?: number; onLine?: (replica: number, line: string) => void },
): Promise<GatewayProcess[]>;

export const TOPOLOGIES: readonly ['single', 'cluster', 'sentinel'];
export interface RedisTopology {
  kind: 'single' | 'cluster' | 'sentinel';
  /** The gateway's REDIS_* variables for it. */
  env: Record<string, string>;
  pids: number[];
  lines: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}
export function startTopology(kind?: 'single' | 'cluster' | 'sentinel'): Promise<RedisTopology>;
