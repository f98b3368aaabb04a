// DBSS ListAuditObsBuckets and the IAM calls around it, stated once. The same assertions run against
// the emulator (default, part of `pnpm test`) and against real Huawei Cloud (`pnpm test:cloud`, i.e.
// DBSS_CONTRACT_TARGET=cloud with real credentials): status, body shape, error codes, request id.
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SigningKey, signedFetch } from '../support/sign.js';
import { type ContractTarget, chooseTarget, type OpenableTarget, openTarget } from './target.js';

const choice = chooseTarget(process.env);
if (choice.kind === 'skip') process.stderr.write(`${choice.reason}\n`);
// A misspelt target must not pass as a skipped suite.
if (choice.kind === 'invalid') {
  it('DBSS_CONTRACT_TARGET names a target', () => {
    throw new Error(choice.reason);
  });
}

/** Huawei's request ids are 32 hex characters. */
const REQUEST_ID = /^[0-9a-f]{32}$/;
/**
 * An unknown or expired token: DBSS documents DBSS.10020100; Huawei's API gateway, which checks tokens
 * before DBSS sees them, documents APIGW.0307 ("The token must be updated").
 */
const BAD_TOKEN_CODES = ['DBSS.10020100', 'APIGW.0307'];

let t: ContractTarget;

const listUrl = (projectId = t.projectId) => `${t.endpoint}/v2/${projectId}/audit/backup/obs-buckets`;
const signedList = (key: SigningKey = t.key, extra: Record<string, string> = {}, projectId = t.projectId) =>
  signedFetch(listUrl(projectId), key, { 'X-Project-Id': projectId, ...extra });

function requestIdOf(res: Response): string {
  const id = res.headers.get('x-request-id');
  expect(id, 'X-Request-Id header').toMatch(REQUEST_ID);
  return id as string;
}

async function expectBuckets(res: Response) {
  expect(res.status).toBe(200);
  requestIdOf(res);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { obs_list?: unknown };
  // A missing obs_list means an empty list; when present it is an array of {bucket_name, location}.
  for (const b of (body.obs_list ?? []) as Record<string, unknown>[]) {
    expect(Object.keys(b).sort()).toEqual(['bucket_name', 'location']);
    expect(typeof b.bucket_name).toBe('string');
    expect(typeof b.location).toBe('string');
  }
  expect(body.obs_list === undefined || Array.isArray(body.obs_list)).toBe(true);
}

/** A DBSS-style error: `error_code`/`error_msg` at the top level, the code one of `codes`. */
async function expectError(res: Response, status: number, codes: string[]): Promise<Record<string, unknown>> {
  expect(res.status).toBe(status);
  const id = requestIdOf(res);
  const body = (await res.json()) as Record<string, unknown>;
  expect(codes).toContain(body.error_code);
  expect(typeof body.error_msg).toBe('string');
  // Where the body carries a request id, it is the header's.
  if (body.request_id !== undefined) expect(body.request_id).toBe(id);
  return body;
}

describe.skipIf(choice.kind === 'skip' || choice.kind === 'invalid')(`DBSS contract (${choice.kind})`, () => {
  beforeAll(async () => {
    t = await openTarget(choice as OpenableTarget);
  });
  afterAll(() => t?.close());

  describe('GET /v2/{project_id}/audit/backup/obs-buckets', () => {
    it('an AK/SK-signed request lists the project’s buckets', async () => {
      await expectBuckets(await signedList());
    });

    it('an IAM token lists the project’s buckets', async (ctx) => {
      if (!t.token) ctx.skip();
      await expectBuckets(await fetch(listUrl(), { headers: { 'X-Auth-Token': t.token as string } }));
    });

    it('an unknown token is 401 with an error code and a request id', async () => {
      const res = await fetch(listUrl(), { headers: { 'X-Auth-Token': 'MIInot-a-real-token' } });
      await expectError(res, 401, BAD_TOKEN_CODES);
    });

    it('a wrong SK is 401 APIGW.0301 with one request id in header and body', async () => {
      const res = await signedList({ ...t.key, sk: `${t.key.sk}x` });
      const body = await expectError(res, 401, ['APIGW.0301']);
      expect(body.request_id).toBe(res.headers.get('x-request-id'));
    });

    it('an X-Sdk-Date 20 minutes old is 401 APIGW.0301', async () => {
      const old = new Date(Date.now() - 20 * 60 * 1000)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      await expectError(await signedList(t.key, { 'X-Sdk-Date': old }), 401, ['APIGW.0301']);
    });

    it('a permanent AK with a made-up X-Security-Token is 401 APIGW.0301', async (ctx) => {
      if (t.key.securityToken) ctx.skip();
      await expectError(await signedList({ ...t.key, securityToken: 'made-up-security-token' }), 401, ['APIGW.0301']);
    });

    it('a temporary AK with its security token lists; without it, 401 APIGW.0301', async (ctx) => {
      if (!t.temporaryKey) ctx.skip();
      const key = t.temporaryKey as SigningKey;
      await expectBuckets(await signedList(key));
      await expectError(await signedList({ ak: key.ak, sk: key.sk }), 401, ['APIGW.0301']);
    });

    it('a malformed project id is 400 DBSS.10000001', async () => {
      await expectError(await signedList(t.key, {}, 'not-a-project-id'), 400, ['DBSS.10000001']);
    });

    it('a project the caller may not read is 403 with encoded_authorization_message', async (ctx) => {
      if (!t.forbiddenProjectId) ctx.skip();
      const body = await expectError(await signedList(t.key, {}, t.forbiddenProjectId), 403, ['DBSS.10020403']);
      expect('encoded_authorization_message' in body).toBe(true);
    });

    it('an unknown route is 404 APIGW.0101', async () => {
      const url = `${t.endpoint}/v2/${t.projectId}/audit/backup/no-such-thing`;
      await expectError(await signedFetch(url, t.key, { 'X-Project-Id': t.projectId }), 404, ['APIGW.0101']);
    });
  });

  describe('IAM project discovery', () => {
    interface Projects {
      projects: { id: string; name: string; domain_id: string; enabled: boolean }[];
    }

    it('GET /v3/projects?name={region}, AK/SK-signed, lists the project named after the region', async () => {
      const res = await signedFetch(`${t.iamEndpoint}/v3/projects?name=${t.region}`, t.key);
      expect(res.status).toBe(200);
      requestIdOf(res);
      const body = (await res.json()) as Projects;
      expect(body.projects).toHaveLength(1);
      expect(body.projects[0]).toMatchObject({ id: t.projectId, name: t.region, enabled: true });
      expect(typeof body.projects[0]?.domain_id).toBe('string');
    });

    it('GET /v3/auth/projects with a token includes the project named after the region', async (ctx) => {
      if (!t.token) ctx.skip();
      const res = await fetch(`${t.iamEndpoint}/v3/auth/projects`, { headers: { 'X-Auth-Token': t.token as string } });
      expect(res.status).toBe(200);
      requestIdOf(res);
      const body = (await res.json()) as Projects;
      expect(body.projects).toContainEqual(expect.objectContaining({ id: t.projectId, name: t.region }));
    });

    it('every IAM answer, a refusal included, carries its own X-IAM-Trace-Id', async () => {
      const ok = await signedFetch(`${t.iamEndpoint}/v3/projects?name=${t.region}`, t.key);
      const refused = await fetch(`${t.iamEndpoint}/v3/auth/projects`, {
        headers: { 'X-Auth-Token': 'MIIcontract-suite-token-that-no-one-issued' },
      });
      expect(ok.status).toBe(200);
      expect(refused.status).toBe(401);
      const ids = [ok, refused].map((r) => r.headers.get('x-iam-trace-id'));
      for (const id of ids) expect(id, 'X-IAM-Trace-Id header').toMatch(/^\S{8,}$/);
      expect(ids[0]).not.toBe(ids[1]);
    });
  });

  describe('ECS metadata (v2 session token, then securitykey)', () => {
    const TOKEN_PATH = '/meta-data/latest/api/token';
    const KEY_PATH = '/openstack/latest/securitykey';
    const token = async (ttl = '21600') =>
      fetch(`${t.metadata?.endpoint}${TOKEN_PATH}`, {
        method: 'PUT',
        headers: { 'X-Metadata-Token-Ttl-Seconds': ttl },
      });

    it('PUT api/token with X-Metadata-Token-Ttl-Seconds answers a token as text', async (ctx) => {
      if (!t.metadata) ctx.skip();
      const res = await token();
      expect(res.status).toBe(200);
      expect((await res.text()).trim()).toMatch(/^\S{16,}$/);
    });

    it('securitykey with the token: a temporary AK/SK + security token valid at most 24 h', async (ctx) => {
      if (!t.metadata) ctx.skip();
      const session = (await (await token()).text()).trim();
      const res = await fetch(`${t.metadata?.endpoint}${KEY_PATH}`, { headers: { 'X-Metadata-Token': session } });
      expect(res.status).toBe(200);
      const { credential } = (await res.json()) as { credential: Record<string, string> };
      for (const k of ['access', 'secret', 'securitytoken', 'expires_at']) expect(typeof credential[k]).toBe('string');
      const left = Date.parse(credential.expires_at as string) - Date.now();
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual((t.metadata?.maxCredentialTtlMs ?? 0) + 60_000);
    });

    it('securitykey with a token the service never issued is 401', async (ctx) => {
      if (!t.metadata) ctx.skip();
      const res = await fetch(`${t.metadata?.endpoint}${KEY_PATH}`, {
        headers: { 'X-Metadata-Token': 'contract-suite-made-up-metadata-token' },
      });
      expect(res.status).toBe(401);
    });

    it('securitykey without a token is 401 where tokens are required', async (ctx) => {
      if (!t.metadata?.tokenRequired) ctx.skip();
      const res = await fetch(`${t.metadata?.endpoint}${KEY_PATH}`);
      expect(res.status).toBe(401);
    });
  });

  describe('TLS', () => {
    it('the HTTPS endpoint presents a certificate for its host that chains to the trusted CA', async (ctx) => {
      const url = new URL(t.tls?.url ?? 'http://unset.invalid');
      if (url.protocol !== 'https:') return ctx.skip();
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect(
          {
            host,
            port: Number(url.port || 443),
            servername: /^[\d.]+$|:/.test(host) ? undefined : host,
            ca: t.tls?.ca,
          },
          () => {
            resolve(socket.authorized);
            socket.end();
          },
        );
        socket.once('error', reject);
      });
      expect(authorized).toBe(true);
    });
  });
});
