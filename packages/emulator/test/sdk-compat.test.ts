// What the official SDKs need of the emulator (issue 18): the region provider's variables in the
// banner, HTTPS with a CA of its own, metadata v2 session tokens, X-IAM-Trace-Id on every IAM answer.
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMP_CREDENTIAL_TTL_MS,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_TOKEN,
  IAM_PATHS,
  METADATA_PATHS,
  PROJECT_NAMES,
  startEmulator,
} from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';
import { makeTestCa, positiveSerial } from '../src/tls.js';
import { cli, exportsOf, startBin } from './support/bin.js';
import { login } from './support/iam.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

/** GET over HTTPS trusting `ca` only (Node's global fetch cannot take a CA per call). */
function httpsGet(url: string, ca: string | undefined, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.once('error', reject);
    req.end();
  });
}

const putToken = (base: string, ttl?: string) =>
  fetch(`${base}${METADATA_PATHS.token}`, {
    method: 'PUT',
    headers: ttl === undefined ? {} : { 'X-Metadata-Token-Ttl-Seconds': ttl },
  });

describe('banner: what the official SDKs read', () => {
  it('exports HUAWEICLOUD_SDK_REGION_DBSS_<REGION> for every demo region, and the IAM endpoint', async () => {
    const bin = await startBin([]);
    try {
      const env = exportsOf(bin.out);
      const url = env.DBSS_ENDPOINT as string;
      const regions = [...new Set(Object.values(PROJECT_NAMES))];
      expect(regions.length).toBeGreaterThanOrEqual(3);
      for (const r of regions)
        expect(env[`HUAWEICLOUD_SDK_REGION_DBSS_${r.toUpperCase().replaceAll('-', '_')}`]).toBe(url);
      expect(env.HUAWEICLOUD_SDK_IAM_ENDPOINT).toBe(url);
      expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    } finally {
      bin.stop();
    }
  });
});

describe('--tls', () => {
  it('serves HTTPS with a CA (CA:TRUE) it made, a server certificate for 127.0.0.1 and localhost, and prints the trust variables', async () => {
    const bin = await startBin(['--tls']);
    try {
      const env = exportsOf(bin.out);
      const url = env.DBSS_ENDPOINT as string;
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(env.HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4).toBe(url);
      const caFile = env.NODE_EXTRA_CA_CERTS as string;
      expect(env.REQUESTS_CA_BUNDLE).toBe(caFile);
      expect(env.SSL_CERT_FILE).toBe(caFile);
      const ca = readFileSync(caFile, 'utf8');
      const caCert = new X509Certificate(ca);
      expect(caCert.ca).toBe(true);
      // Trusting that CA alone, the listing answers; trusting nothing extra, the handshake fails.
      const ok = await httpsGet(`${url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, ca, {
        'X-Auth-Token': DEMO_TOKEN,
      });
      expect(ok.status).toBe(200);
      await expect(httpsGet(url, undefined)).rejects.toMatchObject({
        code: expect.stringMatching(/CERT|VERIFY|SIGNED/),
      });
      await expect(fetch(url)).rejects.toThrow();
      expect(bin.out).toContain(`curl --cacert ${caFile}`);
    } finally {
      bin.stop();
    }
  });

  it('the server certificate names 127.0.0.1, ::1 and localhost and is signed by the CA', async () => {
    const m = await makeTestCa();
    const server = new X509Certificate(m.cert);
    const ca = new X509Certificate(m.ca as string);
    expect(server.ca).toBe(false);
    expect(server.subjectAltName).toContain('DNS:localhost');
    expect(server.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('--tls-cert/--tls-key (+ --tls-ca) serve a certificate brought along', async () => {
    const m = await makeTestCa();
    const dir = mkdtempSync(join(tmpdir(), 'emu-tls-'));
    writeFileSync(join(dir, 'cert.pem'), m.cert);
    writeFileSync(join(dir, 'key.pem'), m.key);
    const bin = await startBin([
      '--tls-cert',
      join(dir, 'cert.pem'),
      '--tls-key',
      join(dir, 'key.pem'),
      '--tls-ca',
      m.caFile as string,
    ]);
    try {
      const env = exportsOf(bin.out);
      expect(env.NODE_EXTRA_CA_CERTS).toBe(m.caFile);
      const res = await httpsGet(`${env.DBSS_ENDPOINT}${IAM_PATHS.authProjects}`, m.ca, { 'X-Auth-Token': DEMO_TOKEN });
      expect(res.status).toBe(200);
    } finally {
      bin.stop();
    }
  });

  it('certificate serials are positive minimal DER, which OpenSSL 3.5 (Node 24) insists on for NODE_EXTRA_CA_CERTS', async () => {
    // The first byte decides: never 0x00 (a leading zero byte before < 0x80 is non-minimal), never >= 0x80 (negative).
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff])
      expect(positiveSerial(Buffer.from([first, ...Array(15).fill(0)])).slice(0, 2)).toMatch(/^[4-7][0-9a-f]$/);
    // And in the DER of a real certificate: tbsCertificate → version [0] → serial INTEGER.
    const { ca } = await makeTestCa();
    const der = new X509Certificate(ca as string).raw;
    const at = der.indexOf(Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02, 0x02])) + 6;
    expect(der[at]).toBe(16);
    expect(der[at + 1]).toBeGreaterThanOrEqual(0x40);
    expect(der[at + 1]).toBeLessThan(0x80);
  });

  it('startEmulator({ tls: true }) hands the CA to tests', async () => {
    const secure = await startEmulator({ tls: true });
    try {
      expect(secure.url).toMatch(/^https:/);
      const res = await httpsGet(`${secure.url}${METADATA_PATHS.metaData}`, secure.tls?.ca);
      expect(res.status).toBe(200);
      expect(readFileSync(secure.tls?.caFile as string, 'utf8')).toBe(secure.tls?.ca);
    } finally {
      await secure.close();
    }
    // The CA file made at start goes with the emulator.
    expect(existsSync(secure.tls?.caFile as string)).toBe(false);
  });

  it('bad TLS flags exit 2 naming the flag', async () => {
    for (const [args, flag] of [
      [['--tls-cert', '/nonexistent/cert.pem'], '--tls-key'],
      [['--tls', '--tls-cert', 'a', '--tls-key', 'b'], '--tls'],
      [['--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem'], '/nonexistent/cert.pem'],
      [['--metadata-token', 'sometimes'], '--metadata-token'],
      [['--temp-credential-ttl', '86401'], '--temp-credential-ttl'],
    ] as [string[], string][]) {
      const child = spawn(process.execPath, [cli, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
      });
      const code = await new Promise((r) => child.once('exit', r));
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain(flag);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('metadata v2', () => {
  it('PUT api/token answers a token as text; securitykey takes it', async () => {
    const res = await putToken(emu.url, '21600');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const token = await res.text();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const key = await fetch(`${emu.url}${METADATA_PATHS.securityKey}`, { headers: { 'X-Metadata-Token': token } });
    expect(key.status).toBe(200);
    expect(emu.requests.map((r) => r.route)).toEqual(['metadata-token', 'metadata']);
  });

  it.each([[undefined], ['0'], ['21601'], ['six hours']])('a TTL of %s is 400', async (ttl) => {
    expect((await putToken(emu.url, ttl)).status).toBe(400);
  });

  it('optional (default): no token is fine, a wrong one is 401', async () => {
    expect((await fetch(`${emu.url}${METADATA_PATHS.securityKey}`)).status).toBe(200);
    const wrong = await fetch(`${emu.url}${METADATA_PATHS.securityKey}`, { headers: { 'X-Metadata-Token': 'nope' } });
    expect(wrong.status).toBe(401);
  });

  it('required: securitykey and meta_data.json without a valid token are 401; an expired token too', async () => {
    let now = Date.now();
    const strict = await startEmulator({ metadataToken: 'required', now: () => now });
    try {
      for (const path of [METADATA_PATHS.securityKey, METADATA_PATHS.metaData]) {
        const res = await fetch(`${strict.url}${path}`);
        expect(res.status).toBe(401);
        expect(await res.text()).toContain('X-Metadata-Token');
      }
      const token = await (await putToken(strict.url, '60')).text();
      const ok = await fetch(`${strict.url}${METADATA_PATHS.securityKey}`, { headers: { 'X-Metadata-Token': token } });
      expect(ok.status).toBe(200);
      now += 61_000;
      const late = await fetch(`${strict.url}${METADATA_PATHS.securityKey}`, {
        headers: { 'X-Metadata-Token': token },
      });
      expect(late.status).toBe(401);
    } finally {
      await strict.close();
    }
  });

  it('faults target the token route alone (route: metadata-token)', async () => {
    emu.fault({ status: 405 }, { route: 'metadata-token' });
    expect((await putToken(emu.url, '60')).status).toBe(405);
    expect((await fetch(`${emu.url}${METADATA_PATHS.securityKey}`)).status).toBe(200);
    const control = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ fault: { status: 404 }, match: { route: 'metadata-token', times: 1 } }),
    });
    expect(control.status).toBe(201);
  });

  it('the default temporary credential lives 24 h', async () => {
    expect(DEFAULT_TEMP_CREDENTIAL_TTL_MS).toBe(86_400_000);
    const { credential } = (await (await fetch(`${emu.url}${METADATA_PATHS.securityKey}`)).json()) as {
      credential: { expires_at: string };
    };
    expect(Date.parse(credential.expires_at) - Date.now()).toBeGreaterThan(86_300_000);
  });
});

describe('X-IAM-Trace-Id', () => {
  it('every IAM answer carries its own, refusals and faults included; DBSS answers carry none', async () => {
    const issued = await login(emu.url, { name: DEMO_REGION });
    const refused = await fetch(`${emu.url}${IAM_PATHS.authProjects}`, { headers: { 'X-Auth-Token': 'wrong' } });
    emu.fault({ status: 503 }, { route: 'iam', times: 1 });
    const faulted = await fetch(`${emu.url}${IAM_PATHS.authProjects}`, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
    emu.fault({ nonJson: true }, { route: 'iam', times: 1 });
    const html = await fetch(`${emu.url}${IAM_PATHS.authProjects}`, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
    expect([issued.status, refused.status, faulted.status, html.status]).toEqual([201, 401, 503, 502]);
    const ids = [issued, refused, faulted, html].map((r) => r.headers.get('x-iam-trace-id'));
    for (const id of ids) expect(id).toMatch(/^iam-[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(4);
    const dbss = await fetch(`${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, {
      headers: { 'X-Auth-Token': DEMO_TOKEN },
    });
    expect(dbss.headers.get('x-iam-trace-id')).toBeNull();
  });
});
