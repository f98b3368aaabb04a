// Types for scripts/cluster.mjs, imported by the gateway's fleet tests.
import type { ChildProcess } from 'node:child_process';

export const GATEWAY_BIN: string;
export const REDIS_INSTALL_HINT: string;
export function findRedisServer(): string | undefined;
export function freePort(): Promise<number>;

export interface RedisServer {
  port: number;
  url: string;
  child: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}
export function startRedis(opts?: { port?: number }): Promise<RedisServer>;

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
