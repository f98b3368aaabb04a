// What core shares with Huawei's official SDKs (issue 18), against real emulators on port 0:
// the region provider's HUAWEICLOUD_SDK_REGION_DBSS_<REGION>, IAM only at a named or official host,
// metadata v2 session tokens, X-IAM-Trace-Id on discovery errors, and a typed TLS error.
import {
  DEMO_AK,
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  type Emulator,
  METADATA_PATHS,
  startEmulator,
} from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DbssAuth,
  DbssClient,
  DbssConfigError,
  DbssProjectNotFoundError,
  DbssTlsError,
  type FetchLike,
  regionEndpointVariable,
} from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());
const HOME = '/nonexistent-home-for-tests';

describe('HUAWEICLOUD_SDK_REGION_DBSS_<REGION> (the official region provider variable)', () => {
  it('is the variable name the SDKs use: region upper-cased, - to _', () => {
    expect(regionEndpointVariable('cn-north-4')).toBe('HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4');
    expect(regionEndpointVariable('my-kualalumpur-1')).toBe('HUAWEICLOUD_SDK_REGION_DBSS_MY_KUALALUMPUR_1');
  });

  it('points fromEnv at the region endpoint without DBSS_ENDPOINT', async () => {
    const c = DbssClient.fromEnv(
      {
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: emu.url,
        HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
        HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
        HOME,
      },
      { proxy: false },
    );
    expect(c.endpoint).toBe(`${emu.url}/`);
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
  });

  it('a comma-separated list (the SDKs fail over along it) uses the first URL', () => {
    const c = DbssClient.fromEnv({
      HUAWEICLOUD_SDK_REGION: DEMO_REGION,
      HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: `${emu.url},http://127.0.0.1:9`,
      HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
      HOME,
    });
    expect(c.endpoint).toBe(`${emu.url}/`);
  });

  it('DBSS_ENDPOINT wins over it', () => {
    const c = DbssClient.fromEnv({
      HUAWEICLOUD_SDK_REGION: DEMO_REGION,
      HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: 'http://127.0.0.1:9',
      DBSS_ENDPOINT: emu.url,
      HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
      HOME,
    });
    expect(c.endpoint).toBe(`${emu.url}/`);
  });

  it('only the chosen region’s variable counts, and a bad value names its variable', () => {
    const other = DbssClient.fromEnv({
      HUAWEICLOUD_SDK_REGION: 'cn-south-1',
      HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: emu.url,
      HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
      HOME,
    });
    expect(other.endpoint).toBe('https://dbss.cn-south-1.myhuaweicloud.com/');
    let err: unknown;
    try {
      DbssClient.fromEnv({
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: 'ftp://user:pw@host',
        HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
        HOME,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbssConfigError);
    expect(err).toMatchObject({ variable: 'HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4' });
    expect(String((err as Error).message)).not.toContain('pw');
  });
});

describe('IAM for discovery: a named IAM, or the official one for the official DBSS host only', () => {
  /** A fetch that records every URL and never leaves the process. */
  const recording = () => {
    const urls: string[] = [];
    const fetch: FetchLike = async (input) => {
      urls.push(String(input));
      return new Response('{"projects":[]}', { status: 200 });
    };
    return { urls, fetch };
  };
  const auths: [string, DbssAuth][] = [
    ['token', { type: 'token', token: DEMO_TOKEN }],
    ['AK/SK', { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }],
  ];

  it.each(auths)(
    '%s with DBSS_ENDPOINT and no IAM endpoint: a config error naming HUAWEICLOUD_SDK_IAM_ENDPOINT, no request',
    async (_, auth) => {
      const { urls, fetch } = recording();
      const c = new DbssClient({ region: DEMO_REGION, endpoint: emu.url, auth, fetch });
      const err = await c.listObsBuckets().catch((e) => e);
      expect(err).toBeInstanceOf(DbssConfigError);
      expect(err).toMatchObject({ code: 'CONFIG_ERROR', variable: 'HUAWEICLOUD_SDK_IAM_ENDPOINT' });
      expect(err.message).toContain('HUAWEICLOUD_SDK_IAM_ENDPOINT');
      expect(urls).toEqual([]);
      expect(emu.requestCount).toBe(0);
    },
  );

  it('the same through fromEnv with the region variable (not the official host either)', async () => {
    const { urls, fetch } = recording();
    const c = DbssClient.fromEnv(
      {
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: emu.url,
        HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
        HOME,
      },
      { fetch },
    );
    await expect(c.listObsBuckets()).rejects.toMatchObject({ variable: 'HUAWEICLOUD_SDK_IAM_ENDPOINT' });
    expect(urls).toEqual([]);
  });

  it('password login with DBSS_ENDPOINT and no IAM endpoint fails at construction, naming the variable', () => {
    expect(() =>
      DbssClient.fromEnv({
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        DBSS_ENDPOINT: emu.url,
        HUAWEICLOUD_IAM_USER: DEMO_USER.name,
        HUAWEICLOUD_IAM_PASSWORD: DEMO_USER.password,
        HUAWEICLOUD_IAM_DOMAIN: DEMO_USER.domain,
        HOME,
      }),
    ).toThrow(/HUAWEICLOUD_SDK_IAM_ENDPOINT/);
  });

  it('the official DBSS host discovers at the official IAM host of its region', async () => {
    const { urls, fetch } = recording();
    const c = new DbssClient({ region: DEMO_REGION, auth: { type: 'token', token: DEMO_TOKEN }, fetch });
    await expect(c.resolveProjectId()).rejects.toBeInstanceOf(DbssProjectNotFoundError);
    expect(urls).toEqual([`https://iam.${DEMO_REGION}.myhuaweicloud.com/v3/auth/projects`]);
  });

  it('a named IAM endpoint is used whatever DBSS is', async () => {
    const c = new DbssClient({
      region: DEMO_REGION,
      endpoint: emu.url,
      iamEndpoint: emu.url,
      auth: { type: 'token', token: DEMO_TOKEN },
      proxy: false,
    });
    expect(await c.resolveProjectId()).toBe(DEMO_PROJECT_ID);
  });
});

describe('X-IAM-Trace-Id on discovery errors (field iamTraceId)', () => {
  const client = (auth: DbssAuth, region = DEMO_REGION) =>
    new DbssClient({ region, endpoint: emu.url, iamEndpoint: emu.url, auth, proxy: false, maxRetries: 0 });
  const lastIamTrace = () => emu.requests.filter((r) => r.route === 'iam').at(-1);

  it('an IAM error answer: the API error carries the answer’s trace id', async () => {
    emu.fault({ status: 401 }, { route: 'iam' });
    const err = await client({ type: 'token', token: DEMO_TOKEN })
      .resolveProjectId()
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect(err.iamTraceId).toMatch(/^iam-[0-9a-f]{32}$/);
    expect(err.toJSON().iamTraceId).toBe(err.iamTraceId);
    expect(lastIamTrace()).toBeDefined();
  });

  it.each([
    ['token', { type: 'token', token: DEMO_TOKEN }],
    ['AK/SK', { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }],
    ['password', { type: 'password', user: DEMO_USER.name, password: DEMO_USER.password, domain: DEMO_USER.domain }],
  ] as [string, DbssAuth][])(
    '%s: no project for the region carries the trace id of the IAM answer',
    async (_, auth) => {
      const err = await client(auth, 'ap-southeast-3')
        .resolveProjectId()
        .catch((e) => e);
      expect(err).toBeInstanceOf(DbssProjectNotFoundError);
      expect(err.iamTraceId).toMatch(/^iam-[0-9a-f]{32}$/);
    },
  );

  it('a malformed IAM body: the response error carries it, and every IAM answer has its own id', async () => {
    emu.fault({ status: 200, body: { nothing: true } }, { route: 'iam', times: 1 });
    const a = await client({ type: 'token', token: DEMO_TOKEN })
      .resolveProjectId()
      .catch((e) => e);
    emu.fault({ status: 200, body: { nothing: true } }, { route: 'iam', times: 1 });
    const b = await client({ type: 'aksk', ak: DEMO_AK, sk: DEMO_SK })
      .resolveProjectId()
      .catch((e) => e);
    expect(a).toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(a.iamTraceId).toMatch(/^iam-/);
    expect(b.iamTraceId).toMatch(/^iam-/);
    expect(a.iamTraceId).not.toBe(b.iamTraceId);
  });
});

describe('metadata v2: a session token first, as the official SDKs ask for it', () => {
  const env = (url: string) => ({
    DBSS_ENDPOINT: url,
    DBSS_METADATA_ENDPOINT: url,
    HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
    HOME,
  });
  const calls = (e: Emulator) =>
    e.requests
      .filter((r) => r.route === 'metadata' || r.route === 'metadata-token')
      .map((r) => `${r.method} ${r.path} ${r.status}`);

  it('PUT token (TTL 21600), then securitykey with X-Metadata-Token; a token-required service answers', async () => {
    const strict = await startEmulator({ metadataToken: 'required' });
    try {
      const c = DbssClient.fromEnv(env(strict.url), { proxy: false });
      expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
      expect(calls(strict)).toEqual([`PUT ${METADATA_PATHS.token} 200`, `GET ${METADATA_PATHS.securityKey} 200`]);
      const put = strict.requests.find((r) => r.route === 'metadata-token');
      expect(put?.headers['x-metadata-token-ttl-seconds']).toBe('21600');
      const get = strict.requests.find((r) => r.route === 'metadata');
      expect(get?.headers['x-metadata-token']).toBe('[REDACTED]'); // sent, and never kept in the record
    } finally {
      await strict.close();
    }
  });

  it('the token is kept for its TTL: renewed credentials reuse it', async () => {
    const short = await startEmulator({ metadataToken: 'required', tempCredentialTtlMs: 290_000 });
    try {
      const c = DbssClient.fromEnv(env(short.url), { proxy: false });
      await c.listObsBuckets();
      // 290 s credentials are renewed on every call (5 min margin): the token is not asked for again.
      await c.listObsBuckets();
      await c.listObsBuckets();
      expect(calls(short).filter((x) => x.startsWith('PUT'))).toHaveLength(1);
      expect(calls(short).filter((x) => x.startsWith('GET'))).toHaveLength(3);
    } finally {
      await short.close();
    }
  });

  it('securitykey refusing the kept token (401): one new token, then the credentials', async () => {
    const short = await startEmulator({ metadataToken: 'required', tempCredentialTtlMs: 290_000 });
    try {
      const c = DbssClient.fromEnv(env(short.url), { proxy: false });
      await c.listObsBuckets();
      short.fault({ status: 401 }, { route: 'metadata', times: 1 });
      expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
      expect(calls(short)).toEqual([
        `PUT ${METADATA_PATHS.token} 200`,
        `GET ${METADATA_PATHS.securityKey} 200`,
        `GET ${METADATA_PATHS.securityKey} 401`,
        `PUT ${METADATA_PATHS.token} 200`,
        `GET ${METADATA_PATHS.securityKey} 200`,
      ]);
    } finally {
      await short.close();
    }
  });

  it.each([404, 405])('a PUT answered %i (metadata v1 only): goes on without a token', async (status) => {
    emu.fault({ status }, { route: 'metadata-token' });
    const c = DbssClient.fromEnv(env(emu.url), { proxy: false });
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    const get = emu.requests.find((r) => r.route === 'metadata');
    expect(get?.headers['x-metadata-token']).toBeUndefined();
    expect(calls(emu)).toEqual([`PUT ${METADATA_PATHS.token} ${status}`, `GET ${METADATA_PATHS.securityKey} 200`]);
  });

  it('any other PUT failure is the error (no silent fall-back), without the token in it', async () => {
    emu.fault({ status: 403 }, { route: 'metadata-token' });
    const err = await DbssClient.fromEnv(env(emu.url), { proxy: false })
      .listObsBuckets()
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', status: 403 });
    expect(emu.requests.filter((r) => r.route === 'metadata')).toHaveLength(0);
  });
});

describe('TLS: the emulator’s own CA', () => {
  it('an untrusted certificate is a DbssTlsError naming NODE_EXTRA_CA_CERTS, at once and not retried', async () => {
    const secure = await startEmulator({ tls: true });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const c = new DbssClient({
        endpoint: secure.url,
        auth: { type: 'token', token: DEMO_TOKEN },
        projectId: DEMO_PROJECT_ID,
        proxy: false,
        maxRetries: 2,
      });
      const attempts: unknown[] = [];
      const err = await c.listObsBuckets({ onAttempt: (a) => attempts.push(a) }).catch((e) => e);
      expect(attempts).toHaveLength(1);
      expect(err).toBeInstanceOf(DbssTlsError);
      expect(err).toMatchObject({ code: 'TLS_ERROR', name: 'DbssTlsError' });
      expect(err.tlsCode).toMatch(/CERT|VERIFY|SIGNED/);
      expect(err.message).toContain('NODE_EXTRA_CA_CERTS');
      expect(err.message).not.toContain(DEMO_TOKEN);
      // The handshake failed before any request reached the emulator, and there was one attempt.
      expect(secure.requestCount).toBe(0);
    } finally {
      await secure.close();
    }
  });
});
