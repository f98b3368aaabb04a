// The dbss-obs-gateway bin: configuration errors, demo mode, SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { describe, expect, it } from 'vitest';
import { gatewayConfigFromEnv } from '../src/index.js';

const BIN = join(import.meta.dirname, '../dist/main.js');

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exit, out: () => ({ stderr, stdout }) };
}

async function waitFor(get: () => string, pattern: RegExp, child: ChildProcess): Promise<RegExpExecArray> {
  for (let i = 0; i < 200; i++) {
    const m = pattern.exec(get());
    if (m) return m;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never saw ${pattern}: ${get()}`);
}

describe('configuration', () => {
  it.each([
    [{ HUAWEICLOUD_SDK_REGION: 'mars-1' }, 'HUAWEICLOUD_SDK_REGION'],
    [{ DBSS_ENDPOINT: 'ftp://x' }, 'DBSS_ENDPOINT'],
    [{ NODE_ENV: 'production' }, 'HUAWEICLOUD_SDK_REGION'],
    [{ HUAWEICLOUD_SDK_REGION: 'cn-north-4', PORT: 'eighty' }, 'PORT'],
    [{ HUAWEICLOUD_SDK_REGION: 'cn-north-4', LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ HUAWEICLOUD_SDK_REGION: 'cn-north-4', GATEWAY_AUTH_MODE: 'aksk' }, 'HUAWEICLOUD_SDK_AK'],
    [
      {
        HUAWEICLOUD_SDK_REGION: 'cn-north-4',
        GATEWAY_AUTH_MODE: 'aksk',
        HUAWEICLOUD_SDK_AK: 'a',
        HUAWEICLOUD_SDK_SK: 'b',
      },
      'GATEWAY_API_KEYS',
    ],
    [{ HUAWEICLOUD_SDK_REGION: 'cn-north-4', DBSS_TIMEOUT_MS: '0' }, 'DBSS_TIMEOUT_MS'],
  ])('%j fails naming %s', (env, variable) => {
    expect(() => gatewayConfigFromEnv(env)).toThrow(variable);
  });

  it.each([
    ['HUAWEICLOUD_SDK_IAM_ENDPOINT', 'http://admin:s3cretpw@127.0.0.1:9'],
    ['HUAWEICLOUD_SDK_IAM_ENDPOINT', 'ftp://admin:s3cretpw@host'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://admin:s3cretpw@collector'],
  ])('a bad %s fails at start naming it, never echoing the value', (variable, value) => {
    let err: unknown;
    try {
      gatewayConfigFromEnv({ HUAWEICLOUD_SDK_REGION: 'cn-north-4', [variable]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'CONFIG_ERROR', variable });
    expect(JSON.stringify({ message: (err as Error).message, json: err })).not.toContain('s3cretpw');
  });

  it('GraphiQL is off in production unless enabled', () => {
    expect(
      gatewayConfigFromEnv({ NODE_ENV: 'production', HUAWEICLOUD_SDK_REGION: 'cn-north-4' }).gateway.graphiql,
    ).toBe(false);
    expect(
      gatewayConfigFromEnv({ NODE_ENV: 'production', HUAWEICLOUD_SDK_REGION: 'cn-north-4', GATEWAY_GRAPHIQL: 'true' })
        .gateway.graphiql,
    ).toBe(true);
  });

  it('the bin exits 2 naming the variable, and refuses the demo in production', async () => {
    const p = run({ NODE_ENV: 'production', PORT: '0' });
    expect(await p.exit).toBe(2);
    expect(p.out().stderr).toContain('HUAWEICLOUD_SDK_REGION');
    expect(p.out().stderr).toContain('DBSS_ENDPOINT');
  });
});

describe('demo mode', () => {
  it('says so on its first line, prints GraphiQL URL, token, query and curl, serves, and stops on SIGTERM with 0', async () => {
    const p = run({ PORT: '0', LOG_LEVEL: 'warn' });
    const m = await waitFor(() => p.out().stderr, /GraphiQL:\s+(\S+)\?query=/, p.child);
    const lines = p.out().stderr.split('\n');
    expect(lines[0]).toMatch(/^DEMO MODE/);
    await waitFor(() => p.out().stderr, /Stop with Ctrl-C/, p.child);
    expect(p.out().stderr).toContain(DEMO_TOKEN);
    expect(p.out().stderr).toContain('curl');
    const url = m[1] as string;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': DEMO_TOKEN },
      body: JSON.stringify({ query: `{ obsBuckets(projectId: "${DEMO_PROJECT_ID}") { bucketName } }` }),
    });
    expect(((await res.json()) as { data: { obsBuckets: unknown[] } }).data.obsBuckets).toHaveLength(12);
    const page = await fetch(url, { headers: { Accept: 'text/html' } });
    expect(await page.text()).toContain('GraphiQL');
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });
});
