// The emulator's own contract: data, the documented answers, faults, the control API and the bin.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  banner,
  DEFAULT_TEMP_CREDENTIAL_TTL_MS,
  DEMO_AK,
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  generateBuckets,
  METADATA_PATHS,
  startEmulator,
} from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';
import { cli, exportsOf, startBin } from './support/bin.js';
import { login } from './support/iam.js';
import { signedFetch } from './support/sign.js';

const emu = emulatorForFile({ beforeAll, afterAll });

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

describe('data that changes at runtime', () => {
  it('setBuckets on the handle changes what the next call returns', async () => {
    const e = await startEmulator();
    try {
      e.setBuckets(DEMO_PROJECT_ID, [{ bucket_name: 'added-later', location: 'cn-north-4' }]);
      expect(await (await list(e.url)).json()).toEqual({
        obs_list: [{ bucket_name: 'added-later', location: 'cn-north-4' }],
      });
    } finally {
      await e.close();
    }
  });

  it('PUT /__emulator/projects/{id}/buckets changes the data of an emulator in another process', async () => {
    const e = await startEmulator();
    try {
      const obs_list = [{ bucket_name: 'via-control-api', location: 'cn-east-3' }];
      const put = await fetch(`${e.url}/__emulator/projects/${EMPTY_PROJECT_ID}/buckets`, {
        method: 'PUT',
        body: JSON.stringify({ obs_list }),
      });
      expect(put.status).toBe(200);
      expect(await (await list(e.url, EMPTY_PROJECT_ID)).json()).toEqual({ obs_list });
      const bad = await fetch(`${e.url}/__emulator/projects/${EMPTY_PROJECT_ID}/buckets`, {
        method: 'PUT',
        body: JSON.stringify({ obs_list: [{ bucket_name: 1 }] }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('obs_list');
    } finally {
      await e.close();
    }
  });

  it('POST /__emulator/tokens issues a token that reads the demo project', async () => {
    const res = await fetch(`${emu.url}/__emulator/tokens`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(201);
    const { token } = (await res.json()) as { token: string };
    expect((await list(emu.url, DEMO_PROJECT_ID, { 'X-Auth-Token': token })).status).toBe(200);
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
    const res = await login(emu.url, { id: DEMO_PROJECT_ID });
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

  it('keeps only the most recent recordLimit requests, in order', async () => {
    const e = await startEmulator({ recordLimit: 3 });
    try {
      for (let i = 0; i < 5; i++) await fetch(`${e.url}/no-such-route-${i}`);
      expect(e.requests.map((r) => r.path)).toEqual(['/no-such-route-2', '/no-such-route-3', '/no-such-route-4']);
      expect(e.requestCount).toBe(5);
    } finally {
      await e.close();
    }
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
    const bin = await startBin(['--buckets', '40']);
    try {
      expect(bin.out).toContain(DEMO_PROJECT_ID);
      expect(bin.out).toContain('HUAWEICLOUD_AUTH_TOKEN=');
      const url = /listening on (\S+)/.exec(bin.out)?.[1] as string;
      const body = (await (await list(url)).json()) as { obs_list: unknown[] };
      expect(body.obs_list).toHaveLength(40);
    } finally {
      bin.stop();
    }
  });

  it('the banner prints every accepted credential as export lines, the real default SK included', async () => {
    const bin = await startBin([]);
    try {
      const url = /listening on (\S+)/.exec(bin.out)?.[1] as string;
      const env = exportsOf(bin.out);
      expect(env).toEqual({
        DBSS_ENDPOINT: url,
        HUAWEICLOUD_SDK_IAM_ENDPOINT: url,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: url,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_SOUTH_1: url,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_EAST_3: url,
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
        HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
        HUAWEICLOUD_SDK_AK: DEMO_AK,
        HUAWEICLOUD_SDK_SK: DEMO_SK,
        HUAWEICLOUD_IAM_USER: DEMO_USER.name,
        HUAWEICLOUD_IAM_PASSWORD: DEMO_USER.password,
        HUAWEICLOUD_IAM_DOMAIN: DEMO_USER.domain,
        DBSS_METADATA_ENDPOINT: url,
      });
      // The printed AK/SK really sign: a request made from the banner alone succeeds.
      const signed = await signedFetch(`${url}/v2/${env.HUAWEICLOUD_SDK_PROJECT_ID}/audit/backup/obs-buckets`, {
        ak: env.HUAWEICLOUD_SDK_AK as string,
        sk: env.HUAWEICLOUD_SDK_SK as string,
      });
      expect(signed.status).toBe(200);
      // Each demo project is named after a region, and the banner says which.
      expect(bin.out).toMatch(new RegExp(`${DEMO_PROJECT_ID}\\s+${DEMO_REGION}`));
    } finally {
      bin.stop();
    }
  });

  it('prints the --ak/--sk it was given, and --temp-credential-ttl sets the metadata credentials’ lifetime', async () => {
    const bin = await startBin([
      '--ak',
      'MYACCESSKEY000000001',
      '--sk',
      'my-secret-key',
      '--temp-credential-ttl',
      '120',
    ]);
    try {
      const env = exportsOf(bin.out);
      expect(env.HUAWEICLOUD_SDK_SK).toBe('my-secret-key');
      const res = await fetch(`${env.DBSS_METADATA_ENDPOINT}${METADATA_PATHS.securityKey}`);
      const { credential } = (await res.json()) as { credential: { expires_at: string } };
      const ttl = Date.parse(credential.expires_at) - Date.now();
      expect(ttl).toBeGreaterThan(100_000);
      expect(ttl).toBeLessThanOrEqual(120_000);
    } finally {
      bin.stop();
    }
  });

  it('exits 2 with one line naming the flag on bad usage (a missing fixture included)', async () => {
    const missing = join(tmpdir(), `no-such-fixture-${process.pid}.json`);
    for (const args of [
      ['--buckets', 'lots'],
      ['--temp-credential-ttl', '0'],
      ['--ak', 'X'],
      ['--fixture', missing],
    ]) {
      const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(2);
      expect(err).toContain((args[0] as string).slice(2));
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
    }
  });
});

describe('README', () => {
  it('shows the banner exactly as the bin prints it with the defaults', () => {
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    const shown = /```\n(DBSS emulator listening[\s\S]*?)```/.exec(readme)?.[1];
    const printed = banner({
      url: 'http://127.0.0.1:8443',
      token: DEMO_TOKEN,
      ak: DEMO_AK,
      sk: DEMO_SK,
      user: DEMO_USER,
      tempCredentialTtlSeconds: DEFAULT_TEMP_CREDENTIAL_TTL_MS / 1000,
    });
    expect(shown).toBe(printed);
  });
});
