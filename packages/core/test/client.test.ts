// DbssClient end to end against the emulator on port 0: every auth mode, every error class, retries.
import { createRequire } from 'node:module';
import {
  DEMO_AK,
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  startEmulator,
  tokenFingerprint,
} from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DBSS_REGIONS,
  DbssAbortError,
  DbssApiError,
  DbssAuthenticationError,
  DbssBadRequestError,
  DbssClient,
  type DbssClientOptions,
  DbssConfigError,
  DbssConnectionError,
  type DbssError,
  DbssNotFoundError,
  DbssPermissionError,
  DbssRateLimitError,
  DbssResponseError,
  DbssServerError,
  DbssTimeoutError,
  DbssValidationError,
  isDbssApiError,
  isDbssError,
} from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

const fast = { baseDelayMs: 5, maxDelayMs: 20 };
const tokenClient = (o: Partial<DbssClientOptions> = {}) =>
  new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN }, retry: fast, ...o });

async function caught(p: Promise<unknown>): Promise<DbssError> {
  try {
    await p;
  } catch (e) {
    expect(isDbssError(e)).toBe(true);
    return e as DbssError;
  }
  throw new Error('expected a rejection');
}

describe('listObsBuckets', () => {
  it('maps obs_list to ObsBucket with an IAM token', async () => {
    const buckets = await tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID });
    expect(buckets).toEqual(DEMO_BUCKETS.map((b) => ({ bucketName: b.bucket_name, location: b.location })));
    const [req] = emu.requests;
    expect(req?.method).toBe('GET');
    expect(req?.path).toBe(`/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`);
    expect(req?.auth).toEqual({ type: 'token', tokenFingerprint: tokenFingerprint(DEMO_TOKEN) });
    expect(req?.headers['x-auth-token']).toBe('[REDACTED]');
  });

  it('uses the client projectId when the call names none', async () => {
    expect(await tokenClient({ projectId: EMPTY_PROJECT_ID }).listObsBuckets()).toEqual([]);
  });

  it('treats a missing obs_list as an empty list', async () => {
    emu.fault({ status: 200, body: {} }, { times: 1 });
    expect(await tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID })).toEqual([]);
  });

  it('keeps a path prefix of the endpoint (a proxy)', async () => {
    const c = tokenClient({ endpoint: `${emu.url}/prefix` });
    const err = await caught(c.listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(err).toBeInstanceOf(DbssNotFoundError);
    expect(emu.requests[0]?.path).toBe(`/prefix/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`);
  });

  it('signs with AK/SK, sends X-Project-Id, and the emulator verifies it', async () => {
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK } });
    expect(await c.listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
    const req = emu.requests[0];
    expect(req?.auth).toEqual({ type: 'aksk', ak: DEMO_AK });
    expect(req?.headers['x-project-id']).toBe(DEMO_PROJECT_ID);
    expect(req?.headers['x-sdk-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req?.headers.authorization).toBe('[REDACTED]');
  });

  it('sends X-Security-Token with temporary AK/SK credentials', async () => {
    // The emulator accepts a temporary AK only with its own security token (a permanent AK with any token is refused).
    const temp = emu.issueTemporaryCredential();
    const c = new DbssClient({
      endpoint: emu.url,
      auth: { type: 'aksk', ak: temp.access, sk: temp.secret, securityToken: temp.securitytoken },
    });
    expect(await c.listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
    expect(emu.requests[0]?.headers['x-security-token']).toBe('[REDACTED]');
    expect(emu.requests[0]?.auth).toMatchObject({ type: 'aksk', ak: temp.access, temporary: true });
  });

  it('a wrong SK is refused with APIGW.0301 and the SK appears nowhere', async () => {
    const sk = 'wrong-secret-key-that-must-not-leak';
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'aksk', ak: DEMO_AK, sk } });
    const err = await caught(c.listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(err).toBeInstanceOf(DbssAuthenticationError);
    expect((err as DbssApiError).errorCode).toBe('APIGW.0301');
    const dump = `${err.message} ${JSON.stringify(err)} ${String(err.stack)} ${(err as DbssApiError).rawBody}`;
    expect(dump).not.toContain(sk);
  });
});

describe('IAM password login', () => {
  const pw = (o: Partial<Extract<DbssClientOptions['auth'], { type: 'password' }>> = {}) =>
    new DbssClient({
      endpoint: emu.url,
      auth: { type: 'password', ...DEMO_USER, user: DEMO_USER.name, iamEndpoint: emu.url, ...o },
    });

  it('logs in once, caches the token, and shares one login among concurrent callers', async () => {
    const c = pw();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => c.listObsBuckets({ projectId: DEMO_PROJECT_ID })),
    );
    expect(results.every((r) => r.length === DEMO_BUCKETS.length)).toBe(true);
    await c.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    const logins = emu.requests.filter((r) => r.path === '/v3/auth/tokens');
    expect(logins).toHaveLength(1);
    expect(emu.requests.filter((r) => r.status === 200)).toHaveLength(11);
  });

  it('scopes by project name when asked', async () => {
    const c = pw({ projectName: 'cn-north-4' });
    expect(await c.listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
  });

  it('renews a token before it expires', async () => {
    // Tokens that live 1.5 s longer than the 5-minute renewal margin: fresh at first, due soon after.
    const short = await startEmulator({ tokenTtlMs: 5 * 60 * 1000 + 1500 });
    try {
      const c = new DbssClient({
        endpoint: short.url,
        auth: {
          type: 'password',
          user: DEMO_USER.name,
          password: DEMO_USER.password,
          domain: DEMO_USER.domain,
          iamEndpoint: short.url,
        },
      });
      await c.listObsBuckets({ projectId: DEMO_PROJECT_ID });
      await c.listObsBuckets({ projectId: DEMO_PROJECT_ID });
      expect(short.requests.filter((r) => r.path === '/v3/auth/tokens')).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1600));
      await c.listObsBuckets({ projectId: DEMO_PROJECT_ID });
      expect(short.requests.filter((r) => r.path === '/v3/auth/tokens')).toHaveLength(2);
    } finally {
      await short.close();
    }
  });

  it('logs in again once when DBSS rejects a cached token', async () => {
    const c = pw();
    await c.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    emu.fault({ status: 401 }, { times: 1 });
    expect(await c.listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
    expect(emu.requests.filter((r) => r.path === '/v3/auth/tokens')).toHaveLength(2);
  });

  it('a wrong password is an authentication error without the password in it', async () => {
    const password = 'not-the-password-9876';
    const err = await caught(pw({ password }).listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(err).toBeInstanceOf(DbssAuthenticationError);
    expect((err as DbssApiError).status).toBe(401);
    expect(`${err.message}${JSON.stringify(err)}${(err as DbssApiError).rawBody}`).not.toContain(password);
    expect(emu.requests.filter((r) => r.path.includes('obs-buckets'))).toHaveLength(0);
  });
});

describe('errors from real responses', () => {
  const c = () => tokenClient({ maxRetries: 0 });

  it('401 DBSS.10020100 for an unknown token', async () => {
    const err = await caught(
      tokenClient({ auth: { type: 'token', token: 'MIIbogus-token-value-that-is-long-enough' } }).listObsBuckets({
        projectId: DEMO_PROJECT_ID,
      }),
    );
    expect(err).toBeInstanceOf(DbssAuthenticationError);
    expect(err).toMatchObject({ code: 'AUTHENTICATION_FAILED', status: 401, errorCode: 'DBSS.10020100' });
    expect((err as DbssApiError).requestId).toBe(emu.requests[0]?.requestId);
    expect(JSON.stringify(err)).not.toContain('MIIbogus');
  });

  it('403 with encoded_authorization_message for a project the token may not read', async () => {
    const err = (await caught(c().listObsBuckets({ projectId: FORBIDDEN_PROJECT_ID }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssPermissionError);
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.encodedAuthorizationMessage).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(err.details[0]?.errorCode).toBe('DBSS.10020403');
  });

  it('400 DBSS.10000001 for a project id DBSS rejects', async () => {
    const err = (await caught(c().listObsBuckets({ projectId: 'z'.repeat(32) }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssBadRequestError);
    expect(err).toMatchObject({ status: 400, errorCode: 'DBSS.10000001' });
  });

  it('500 DBSS.11000000 is a server error (flat body)', async () => {
    emu.fault({ status: 500 });
    const err = (await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssServerError);
    expect(err).toMatchObject({ code: 'SERVER_ERROR', errorCode: 'DBSS.11000000' });
  });

  it('parses the nested {"error":{…}} body', async () => {
    emu.fault({ status: 400, body: { error: { error_code: 'DBSS.10000001', error_msg: 'nested message' } } });
    const err = (await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssBadRequestError);
    expect(err).toMatchObject({ errorCode: 'DBSS.10000001', errorMsg: 'nested message' });
  });

  it('parses API-gateway bodies and takes the request id from the header', async () => {
    emu.fault({ status: 429, body: { error_code: 'APIGW.0308', error_msg: 'throttled', request_id: 'body-id' } });
    const err = (await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssRateLimitError);
    expect(err.errorCode).toBe('APIGW.0308');
    expect(err.requestId).toBe(emu.requests[0]?.requestId);
  });

  it('404 APIGW.0101 for an unknown route', async () => {
    const err = (await caught(
      tokenClient({ endpoint: `${emu.url}/nope` }).listObsBuckets({ projectId: DEMO_PROJECT_ID }),
    )) as DbssApiError;
    expect(err).toBeInstanceOf(DbssNotFoundError);
    expect(err.errorCode).toBe('APIGW.0101');
  });

  it('a non-JSON error body is classed by its status', async () => {
    emu.fault({ nonJson: true, status: 502 });
    const err = (await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssServerError);
    expect(err.status).toBe(502);
    expect(err.errorCode).toBeUndefined();
    expect(err.errorMsg).toContain('502 Bad Gateway');
  });

  it('an unusual status is a plain DbssApiError', async () => {
    emu.fault({ status: 409 });
    const err = await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(err.constructor).toBe(DbssApiError);
    expect(err.code).toBe('API_ERROR');
    expect(isDbssApiError(err)).toBe(true);
  });

  it('malformed JSON on a 200 is a DbssResponseError', async () => {
    emu.fault({ malformedJson: true });
    const err = await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(err).toBeInstanceOf(DbssResponseError);
    expect(err.code).toBe('INVALID_RESPONSE');
  });

  it.each([
    ['an array', []],
    ['obs_list not an array', { obs_list: 'x' }],
    ['an item without location', { obs_list: [{ bucket_name: 'a' }] }],
    ['a null item', { obs_list: [null] }],
  ])('a 200 with %s is a DbssResponseError', async (_, body) => {
    emu.fault({ status: 200, body });
    expect(await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }))).toBeInstanceOf(DbssResponseError);
  });

  it('a refused connection is a DbssConnectionError with its cause', async () => {
    const closed = await startEmulator();
    const url = closed.url;
    await closed.close();
    const err = await caught(
      tokenClient({ endpoint: url, maxRetries: 0 }).listObsBuckets({ projectId: DEMO_PROJECT_ID }),
    );
    expect(err).toBeInstanceOf(DbssConnectionError);
    expect(err.cause).toBeDefined();
  });

  it('a reset connection is a DbssConnectionError', async () => {
    emu.fault({ reset: true });
    expect(await caught(c().listObsBuckets({ projectId: DEMO_PROJECT_ID }))).toBeInstanceOf(DbssConnectionError);
  });
});

describe('retries, timeouts, abort', () => {
  it('retries a 503 after Retry-After, then succeeds', async () => {
    emu.fault({ status: 503, headers: { 'Retry-After': '0' } }, { times: 2 });
    const started = Date.now();
    expect(await tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
    expect(emu.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('honours a Retry-After of one second', async () => {
    emu.fault({ status: 503, headers: { 'Retry-After': '1' } }, { times: 1 });
    await tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID });
    const [first, second] = emu.requests;
    expect((second?.time ?? 0) - (first?.time ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('gives up after maxRetries and throws the last error', async () => {
    emu.fault({ status: 500 });
    const err = await caught(tokenClient({ maxRetries: 2 }).listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(err).toBeInstanceOf(DbssServerError);
    expect(emu.requestCount).toBe(3);
  });

  it('beforeAttempt is awaited before every attempt, retries included, and what it throws ends the call', async () => {
    emu.fault({ status: 503, headers: { 'Retry-After': '0' } }, { times: 2 });
    let waits = 0;
    const beforeAttempt = async () => {
      waits++;
      // Sent only after the wait: the emulator has seen one request per earlier wait.
      expect(emu.requestCount).toBe(waits - 1);
    };
    await tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID, beforeAttempt });
    expect(waits).toBe(3);
    emu.reset();
    emu.fault({ status: 503, headers: { 'Retry-After': '0' } }, { times: 1 });
    const budget = new Error('budget spent');
    let n = 0;
    const refuseSecond = () => {
      if (++n === 2) throw budget;
    };
    await expect(
      tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID, beforeAttempt: refuseSecond }),
    ).rejects.toBe(budget);
    expect(emu.requestCount).toBe(1);
  });

  it('retries a reset connection', async () => {
    emu.fault({ reset: true }, { times: 1 });
    expect(await tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
    expect(emu.requestCount).toBe(2);
  });

  it.each([400, 401, 403, 404])('never retries a %i', async (status) => {
    emu.fault({ status });
    await caught(tokenClient({ maxRetries: 2 }).listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    expect(emu.requestCount).toBe(1);
  });

  it('times out each attempt and reports DbssTimeoutError', async () => {
    // Every answer held back: each attempt times out. The timeout leaves a loaded machine ample time to
    // open the retry's connection (a 100 ms one sometimes ended the retry before it reached the emulator).
    emu.hold();
    const err = await caught(
      tokenClient({ maxRetries: 1, timeoutMs: 1000 }).listObsBuckets({ projectId: DEMO_PROJECT_ID }),
    ).finally(() => emu.release());
    expect(err).toBeInstanceOf(DbssTimeoutError);
    expect(err.code).toBe('TIMEOUT');
    expect(emu.requestCount).toBe(2);
  });

  it('a per-call timeoutMs overrides the client default', async () => {
    emu.fault({ delayMs: 500 }, { times: 1 });
    const err = await caught(
      tokenClient({ maxRetries: 0 }).listObsBuckets({ projectId: DEMO_PROJECT_ID, timeoutMs: 50 }),
    );
    expect(err).toBeInstanceOf(DbssTimeoutError);
  });

  it('a slowly dripped body counts against the timeout', async () => {
    emu.fault({ dripMs: 100 });
    const err = await caught(
      tokenClient({ maxRetries: 0, timeoutMs: 300 }).listObsBuckets({ projectId: DEMO_PROJECT_ID }),
    );
    expect(err).toBeInstanceOf(DbssTimeoutError);
  });

  it('a caller abort is a DbssAbortError and is not retried', async () => {
    emu.fault({ delayMs: 2000 });
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 50);
    const err = await caught(tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID, signal: ctl.signal }));
    expect(err).toBeInstanceOf(DbssAbortError);
    expect(emu.requestCount).toBe(1);
  });

  it('an already aborted signal sends nothing', async () => {
    const err = await caught(tokenClient().listObsBuckets({ projectId: DEMO_PROJECT_ID, signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(DbssAbortError);
    expect(emu.requestCount).toBe(0);
  });
});

describe('validation and configuration, before any I/O', () => {
  it.each(['', 'abc', `${DEMO_PROJECT_ID}/../x`, 'a'.repeat(65), `${'a'.repeat(31)}?`, undefined])(
    'project id %j is a DbssValidationError and makes no request',
    async (projectId) => {
      const err = await caught(tokenClient().listObsBuckets({ projectId: projectId as string }));
      expect(err).toBeInstanceOf(DbssValidationError);
      expect((err as DbssValidationError).field).toBe('projectId');
      expect(emu.requestCount).toBe(0);
    },
  );

  it('an unknown region is a DbssConfigError that lists the valid ones', () => {
    let err: unknown;
    try {
      new DbssClient({ region: 'cn-north-7', auth: { type: 'token', token: 't' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DbssConfigError);
    expect((err as DbssConfigError).variable).toBe('options.region');
    for (const r of DBSS_REGIONS) expect((err as Error).message).toContain(r);
  });

  it('every DBSS region maps to its endpoint', () => {
    expect(DBSS_REGIONS).toHaveLength(30);
    for (const region of DBSS_REGIONS) {
      expect(new DbssClient({ region, auth: { type: 'token', token: 't' } }).endpoint).toBe(
        `https://dbss.${region}.myhuaweicloud.com/`,
      );
    }
  });

  it('fromEnv builds each auth mode and names the variable that is wrong', async () => {
    const base = { DBSS_ENDPOINT: emu.url, HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID };
    const viaToken = DbssClient.fromEnv({ ...base, HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN });
    expect(viaToken.authType).toBe('token');
    expect(await viaToken.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    const viaAksk = DbssClient.fromEnv({ ...base, HUAWEICLOUD_SDK_AK: DEMO_AK, HUAWEICLOUD_SDK_SK: DEMO_SK });
    expect(await viaAksk.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    const viaPassword = DbssClient.fromEnv({
      ...base,
      HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
      HUAWEICLOUD_IAM_USER: DEMO_USER.name,
      HUAWEICLOUD_IAM_PASSWORD: DEMO_USER.password,
      HUAWEICLOUD_IAM_DOMAIN: DEMO_USER.domain,
    });
    expect(await viaPassword.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);

    const bad: [Record<string, string>, string][] = [
      [{ HUAWEICLOUD_AUTH_TOKEN: 't' }, 'HUAWEICLOUD_SDK_REGION'],
      [{ HUAWEICLOUD_SDK_REGION: 'mars-1', HUAWEICLOUD_AUTH_TOKEN: 't' }, 'HUAWEICLOUD_SDK_REGION'],
      [{ DBSS_ENDPOINT: 'not a url', HUAWEICLOUD_AUTH_TOKEN: 't' }, 'DBSS_ENDPOINT'],
      [{ ...base, HUAWEICLOUD_SDK_AK: 'ak' }, 'HUAWEICLOUD_SDK_SK'],
      [{ ...base, HUAWEICLOUD_IAM_USER: 'u', HUAWEICLOUD_IAM_PASSWORD: 'p' }, 'HUAWEICLOUD_IAM_DOMAIN'],
      [
        { ...base, HUAWEICLOUD_IAM_USER: 'u', HUAWEICLOUD_IAM_PASSWORD: 'p', HUAWEICLOUD_IAM_DOMAIN: 'd' },
        'HUAWEICLOUD_SDK_IAM_ENDPOINT',
      ],
      [{ ...base, HUAWEICLOUD_AUTH_TOKEN: 't', DBSS_TIMEOUT_MS: 'soon' }, 'DBSS_TIMEOUT_MS'],
      [{ ...base, HUAWEICLOUD_AUTH_TOKEN: 't', DBSS_MAX_RETRIES: '99' }, 'DBSS_MAX_RETRIES'],
      [{ ...base, HUAWEICLOUD_AUTH_TOKEN: 't', HUAWEICLOUD_SDK_PROJECT_ID: 'short' }, 'HUAWEICLOUD_SDK_PROJECT_ID'],
      [base, 'HUAWEICLOUD_AUTH_TOKEN'],
    ];
    for (const [env, variable] of bad) {
      let err: unknown;
      try {
        DbssClient.fromEnv(env);
      } catch (e) {
        err = e;
      }
      expect(err, variable).toBeInstanceOf(DbssConfigError);
      expect((err as DbssConfigError).variable?.startsWith(variable), `${variable}: ${(err as Error).message}`).toBe(
        true,
      );
      expect((err as Error).message).toContain(variable);
    }
    expect(emu.requests.filter((r) => r.status !== 200 && r.status !== 201)).toHaveLength(0);
  });

  it('the password never appears in a config error', () => {
    let err: unknown;
    try {
      DbssClient.fromEnv({
        HUAWEICLOUD_IAM_USER: 'u',
        HUAWEICLOUD_IAM_PASSWORD: 'sup3r-secret-pw',
        HUAWEICLOUD_IAM_DOMAIN: 'd',
      });
    } catch (e) {
      err = e;
    }
    expect(JSON.stringify(err) + String(err)).not.toContain('sup3r-secret-pw');
  });
});

describe('the official SDK signer against the emulator', () => {
  const require = createRequire(import.meta.url);
  const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');

  function officialHeaders(url: string): Record<string, string> {
    return AKSKSigner.sign(
      { endpoint: url, method: 'GET', headers: { 'X-Project-Id': DEMO_PROJECT_ID }, queryParams: {} },
      { getAk: () => DEMO_AK, getSk: () => DEMO_SK },
    );
  }

  it('accepts a request signed by @huaweicloud/huaweicloud-sdk-core', async () => {
    const url = `${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`;
    const { host: _host, ...headers } = officialHeaders(url);
    const res = await fetch(url, { headers });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { obs_list: unknown[] }).obs_list).toHaveLength(DEMO_BUCKETS.length);
  });

  it('refuses the same request with one byte changed (signature, header, or path)', async () => {
    const url = `${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`;
    const { host: _host, ...headers } = officialHeaders(url);
    const sig = headers.Authorization as string;
    const flipped = sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0');
    const variants: [string, Record<string, string>][] = [
      [url, { ...headers, Authorization: flipped }],
      [url, { ...headers, 'X-Project-Id': `${DEMO_PROJECT_ID.slice(0, -1)}3` }],
      [
        url,
        {
          ...headers,
          'X-Sdk-Date': (headers['X-Sdk-Date'] as string).replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10)),
        },
      ],
      [url.replace('obs-buckets', 'obs-buckets?x=1'), headers],
    ];
    for (const [u, h] of variants) {
      const res = await fetch(u, { headers: h });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error_code: string }).error_code).toBe('APIGW.0301');
    }
  });

  it('refuses a signature older than the 15-minute clock-skew window', async () => {
    const late = await startEmulator({ now: () => Date.now() + 16 * 60 * 1000 });
    try {
      const c = new DbssClient({ endpoint: late.url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK } });
      const err = (await caught(c.listObsBuckets({ projectId: DEMO_PROJECT_ID }))) as DbssApiError;
      expect(err).toMatchObject({ status: 401, errorCode: 'APIGW.0301' });
      const near = await startEmulator({ now: () => Date.now() + 14 * 60 * 1000 });
      const ok = new DbssClient({ endpoint: near.url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK } });
      expect(await ok.listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
      await near.close();
    } finally {
      await late.close();
    }
  });
});

describe('secrets never leak', () => {
  it('an upstream that echoes the token back has it redacted from every error field', async () => {
    const token = 'MIIsecret-token-echoed-by-a-misbehaving-upstream';
    emu.fault({ status: 500, body: { error_code: 'X', error_msg: `bad token ${token}`, details: [] } });
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token }, maxRetries: 0 });
    const err = await caught(c.listObsBuckets({ projectId: DEMO_PROJECT_ID }));
    const dump = [
      err.message,
      JSON.stringify(err),
      String(err.stack),
      (err as DbssApiError).rawBody,
      JSON.stringify((err as DbssApiError).body),
    ].join('\n');
    expect(dump).not.toContain(token);
    expect(dump).toContain('[REDACTED]');
  });
});

describe('with an injected fetch instead of node:http', () => {
  const viaFetch = (o: Partial<DbssClientOptions> = {}) =>
    tokenClient({ fetch: (u, i) => fetch(u, i), maxRetries: 0, ...o });

  it('lists buckets and classes errors the same way', async () => {
    expect(await viaFetch().listObsBuckets({ projectId: DEMO_PROJECT_ID })).toHaveLength(DEMO_BUCKETS.length);
    emu.fault({ status: 503, body: { error_code: 'DBSS.11000000', error_msg: 'busy' } }, { times: 1 });
    const err = (await caught(viaFetch().listObsBuckets({ projectId: DEMO_PROJECT_ID }))) as DbssApiError;
    expect(err).toBeInstanceOf(DbssServerError);
    expect(err).toMatchObject({ status: 503, errorCode: 'DBSS.11000000', requestId: emu.requests.at(-1)?.requestId });
  });

  it('times out, aborts and reports refused connections', async () => {
    emu.fault({ delayMs: 500 }, { times: 2 });
    expect(await caught(viaFetch({ timeoutMs: 50 }).listObsBuckets({ projectId: DEMO_PROJECT_ID }))).toBeInstanceOf(
      DbssTimeoutError,
    );
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 30);
    expect(await caught(viaFetch().listObsBuckets({ projectId: DEMO_PROJECT_ID, signal: ctl.signal }))).toBeInstanceOf(
      DbssAbortError,
    );
    expect(
      await caught(viaFetch({ endpoint: 'http://127.0.0.1:9' }).listObsBuckets({ projectId: DEMO_PROJECT_ID })),
    ).toBeInstanceOf(DbssConnectionError);
  });
});
