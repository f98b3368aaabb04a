// The emulator's own contract: data, the documented answers, faults, the control API and the bin.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_TOKEN,
  DEMO_USER,
  type Emulator,
  FORBIDDEN_PROJECT_ID,
  generateBuckets,
  startEmulator,
} from '../src/index.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

const list = (
  base: string,
  projectId = DEMO_PROJECT_ID,
  headers: Record<string, string> = { 'X-Auth-Token': DEMO_TOKEN },
) => fetch(`${base}/v2/${projectId}/audit/backup/obs-buckets`, { headers });

describe('data', () => {
  it('generates the same buckets for the same seed, distinct names, up to 100,000', () => {
    expect(generateBuckets(50, 7)).toEqual(generateBuckets(50, 7));
    expect(generateBuckets(50, 7)).not.toEqual(generateBuckets(50, 8));
    const big = generateBuckets(100_000);
    expect(new Set(big.map((b) => b.bucket_name)).size).toBe(100_000);
    expect(() => generateBuckets(100_001)).toThrow(RangeError);
  });

  it('serves the demo dozen over several locations', async () => {
    const res = await list(emu.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const body = (await res.json()) as { obs_list: { location: string }[] };
    expect(body.obs_list).toEqual(DEMO_BUCKETS);
    expect(new Set(body.obs_list.map((b) => b.location)).size).toBeGreaterThanOrEqual(5);
  });

  it('loads a fixture file', async () => {
    const file = join(tmpdir(), `dbss-fixture-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ obs_list: [{ bucket_name: 'from-fixture', location: 'cn-north-7' }] }));
    const e = await startEmulator({ fixture: file });
    try {
      expect(await (await list(e.url)).json()).toEqual({
        obs_list: [{ bucket_name: 'from-fixture', location: 'cn-north-7' }],
      });
    } finally {
      await e.close();
    }
  });
});

describe('documented answers', () => {
  it('401 DBSS.10020100 without a token or with an unknown one', async () => {
    for (const headers of [{}, { 'X-Auth-Token': 'nope' }] as Record<string, string>[]) {
      const res = await list(emu.url, DEMO_PROJECT_ID, headers);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error_code: 'DBSS.10020100', details: [] });
    }
  });

  it('403 with encoded_authorization_message for a project the token may not read', async () => {
    const res = await list(emu.url, FORBIDDEN_PROJECT_ID);
    expect(res.status).toBe(403);
    const body = (await res.json()) as Record<string, unknown>;
    expect(typeof body.encoded_authorization_message).toBe('string');
  });

  it('400 DBSS.10000001 for a malformed project id, 404 APIGW.0101 for an unknown route or method', async () => {
    const bad = await list(emu.url, 'not-hex');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_code: 'DBSS.10000001' });
    for (const [path, method] of [
      ['/v2/x/audit', 'GET'],
      [`/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, 'DELETE'],
    ]) {
      const res = await fetch(emu.url + path, { method, headers: { 'X-Auth-Token': DEMO_TOKEN } });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error_code: 'APIGW.0101' });
    }
  });

  it('POST /v3/auth/tokens issues a token in X-Subject-Token (201) that reads the project', async () => {
    const res = await fetch(`${emu.url}/v3/auth/tokens`, {
      method: 'POST',
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: DEMO_USER.name, password: DEMO_USER.password, domain: { name: DEMO_USER.domain } },
            },
          },
          scope: { project: { id: DEMO_PROJECT_ID } },
        },
      }),
    });
    expect(res.status).toBe(201);
    const token = res.headers.get('x-subject-token') as string;
    const body = (await res.json()) as { token: { expires_at: string } };
    expect(Date.parse(body.token.expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    expect((await list(emu.url, DEMO_PROJECT_ID, { 'X-Auth-Token': token })).status).toBe(200);
    const recorded = emu.requests.find((r) => r.path === '/v3/auth/tokens');
    expect(JSON.stringify(recorded)).not.toContain(token);
  });
});

describe('faults', () => {
  it('applies to the next N requests, or to one project until cleared', async () => {
    emu.fault({ status: 503 }, { times: 2 });
    expect((await list(emu.url)).status).toBe(503);
    expect((await list(emu.url)).status).toBe(503);
    expect((await list(emu.url)).status).toBe(200);
    emu.fault({ status: 500 }, { projectId: FORBIDDEN_PROJECT_ID });
    expect((await list(emu.url, FORBIDDEN_PROJECT_ID)).status).toBe(500);
    expect((await list(emu.url, FORBIDDEN_PROJECT_ID)).status).toBe(500);
    expect((await list(emu.url)).status).toBe(200);
    emu.clearFaults();
    expect((await list(emu.url, FORBIDDEN_PROJECT_ID)).status).toBe(403);
  });

  it('can be programmed over HTTP for an emulator in another process', async () => {
    await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ fault: { nonJson: true }, match: { times: 1 } }),
    });
    const res = await list(emu.url);
    expect(res.status).toBe(502);
    expect(await res.text()).toContain('<html>');
    const records = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as unknown[];
    expect(records.length).toBeGreaterThan(0);
  });
});

describe('dbss-emulator bin', () => {
  it('prints its URL, the demo project and how to authenticate, and serves', async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '../dist/cli.js'), '--port', '0', '--buckets', '40'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d) => {
          buf += d;
          if (buf.includes('try:')) resolve(buf);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(out).toContain(DEMO_PROJECT_ID);
      expect(out).toContain('HUAWEICLOUD_AUTH_TOKEN=');
      const url = /listening on (\S+)/.exec(out)?.[1] as string;
      const body = (await (await list(url)).json()) as { obs_list: unknown[] };
      expect(body.obs_list).toHaveLength(40);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits 2 naming the flag on bad usage', async () => {
    const child = spawn(process.execPath, [join(import.meta.dirname, '../dist/cli.js'), '--buckets', 'lots'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('--buckets');
  });
});
