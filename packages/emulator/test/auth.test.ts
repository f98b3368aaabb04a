// Who may call: AK/SK signatures, temporary credentials with their security token, tokens, and the
// rule that an invalid signature is refused whatever else the request carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN, METADATA_PATHS, startEmulator } from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';
import { signedFetch, signedHeaders } from './support/sign.js';

const emu = emulatorForFile({ beforeAll, afterAll });

const listUrl = (base: string, projectId = DEMO_PROJECT_ID) => `${base}/v2/${projectId}/audit/backup/obs-buckets`;
const demoKey = { ak: DEMO_AK, sk: DEMO_SK };

interface Credential {
  access: string;
  secret: string;
  securitytoken: string;
  expires_at: string;
}
async function metadataCredential(base: string): Promise<Credential> {
  const res = await fetch(base + METADATA_PATHS.securityKey);
  expect(res.status).toBe(200);
  return ((await res.json()) as { credential: Credential }).credential;
}

async function expectBadSignature(res: Response) {
  expect(res.status).toBe(401);
  const body = (await res.json()) as { error_code: string; request_id: string };
  expect(body.error_code).toBe('APIGW.0301');
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
}

describe('AK/SK signatures', () => {
  it('accepts a request signed with the demo AK/SK by the official signer', async () => {
    const res = await signedFetch(listUrl(emu.url), demoKey, { 'X-Project-Id': DEMO_PROJECT_ID });
    expect(res.status).toBe(200);
  });

  it('refuses a permanent AK that comes with any X-Security-Token (made-up security token)', async () => {
    await expectBadSignature(await signedFetch(listUrl(emu.url), { ...demoKey, securityToken: 'made-up-token' }));
  });

  it('refuses an invalid signature even with a valid X-Auth-Token beside it', async () => {
    const headers = signedHeaders(listUrl(emu.url), { ak: DEMO_AK, sk: 'not-the-secret-key' });
    const res = await fetch(listUrl(emu.url), { headers: { ...headers, 'X-Auth-Token': DEMO_TOKEN } });
    await expectBadSignature(res);
    expect(emu.requests.at(-1)?.auth).toEqual({ type: 'aksk', ak: DEMO_AK });
    // The same token alone reads the project, so it was the signature that was refused.
    expect((await fetch(listUrl(emu.url), { headers: { 'X-Auth-Token': DEMO_TOKEN } })).status).toBe(200);
  });

  it('refuses an unparseable Authorization header with APIGW.0301', async () => {
    await expectBadSignature(await fetch(listUrl(emu.url), { headers: { Authorization: 'SDK-HMAC-SHA256 junk' } }));
  });

  it('honours X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD when it is signed', async () => {
    const res = await signedFetch(listUrl(emu.url), demoKey, { 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' });
    expect(res.status).toBe(200);
  });
});

describe('temporary credentials (ECS metadata)', () => {
  it('a temporary AK from the metadata route reads the demo project with its own security token', async () => {
    const c = await metadataCredential(emu.url);
    expect(c.access).toMatch(/^[A-Z0-9]{20}$/);
    const expiresIn = Date.parse(c.expires_at) - Date.now();
    // 24 h by default (what ECS metadata issues; see the README's sources).
    expect(expiresIn).toBeGreaterThan(86_390_000);
    expect(expiresIn).toBeLessThanOrEqual(86_400_000);
    const res = await signedFetch(listUrl(emu.url), { ak: c.access, sk: c.secret, securityToken: c.securitytoken });
    expect(res.status).toBe(200);
    expect(emu.requests.at(-1)?.auth).toEqual({ type: 'aksk', ak: c.access, temporary: true });
  });

  it('a temporary AK is refused without its security token, or with another credential’s', async () => {
    const a = await metadataCredential(emu.url);
    const b = await metadataCredential(emu.url);
    await expectBadSignature(await signedFetch(listUrl(emu.url), { ak: a.access, sk: a.secret }));
    await expectBadSignature(
      await signedFetch(listUrl(emu.url), { ak: a.access, sk: a.secret, securityToken: b.securitytoken }),
    );
  });

  it('a temporary AK the emulator did not issue is refused', async () => {
    await expectBadSignature(
      await signedFetch(listUrl(emu.url), { ak: 'TEMPNOTISSUED0000001', sk: 'x'.repeat(40), securityToken: 'gQ-x' }),
    );
  });

  it('a temporary AK works until it expires and is refused after (tempCredentialTtlMs)', async () => {
    let offset = 0;
    const e = await startEmulator({ tempCredentialTtlMs: 60_000, now: () => Date.now() + offset });
    try {
      const c = await metadataCredential(e.url);
      expect(Date.parse(c.expires_at) - Date.now()).toBeLessThanOrEqual(60_000);
      const key = { ak: c.access, sk: c.secret, securityToken: c.securitytoken };
      offset = 59_000;
      expect((await signedFetch(listUrl(e.url), key)).status).toBe(200);
      offset = 61_000; // still well inside the 15-minute X-Sdk-Date window: only expiry can refuse it
      await expectBadSignature(await signedFetch(listUrl(e.url), key));
      // The permanent key signed at the same moment still works.
      expect((await signedFetch(listUrl(e.url), demoKey)).status).toBe(200);
    } finally {
      await e.close();
    }
  });

  it('issueTemporaryCredential on the handle gives the same kind of credential', async () => {
    const c = emu.issueTemporaryCredential();
    const res = await signedFetch(listUrl(emu.url), { ak: c.access, sk: c.secret, securityToken: c.securitytoken });
    expect(res.status).toBe(200);
  });
});

describe('tokens', () => {
  it('accepts a pool of 10,000 distinct tokens, each reading its own projects', async () => {
    const tokens = Object.fromEntries(
      Array.from({ length: 10_000 }, (_, i) => [`pool-token-${i}`, { projects: [DEMO_PROJECT_ID] }]),
    );
    const e = await startEmulator({ tokens });
    try {
      for (const i of [0, 4_999, 9_999]) {
        const res = await fetch(listUrl(e.url), { headers: { 'X-Auth-Token': `pool-token-${i}` } });
        expect(res.status).toBe(200);
      }
      const unknown = await fetch(listUrl(e.url), { headers: { 'X-Auth-Token': 'pool-token-10000' } });
      expect(unknown.status).toBe(401);
      // `tokens` replaces the default token.
      expect((await fetch(listUrl(e.url), { headers: { 'X-Auth-Token': DEMO_TOKEN } })).status).toBe(401);
    } finally {
      await e.close();
    }
  });

  it('a revoked or expired issued token is a 401 DBSS.10020100', async () => {
    const live = emu.issueToken();
    const short = emu.issueToken('*', -1);
    expect((await fetch(listUrl(emu.url), { headers: { 'X-Auth-Token': live } })).status).toBe(200);
    emu.revokeToken(live);
    for (const t of [live, short]) {
      const res = await fetch(listUrl(emu.url), { headers: { 'X-Auth-Token': t } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error_code: 'DBSS.10020100' });
    }
  });
});
