// The v2 surface other packages code against: withAuth, per-call headers, describe, resolveProjectId, error fields.
import { DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DbssAuthenticationError,
  DbssClient,
  DbssConfigError,
  DbssProjectNotFoundError,
  DbssValidationError,
  isDbssError,
} from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

describe('withAuth', () => {
  it('a token child can hand out an AK/SK grandchild that signs with its own keys (no config leaks down)', async () => {
    const base = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN }, proxy: false });
    const grandchild = base
      .withAuth({ type: 'token', token: DEMO_TOKEN })
      .withAuth({ type: 'aksk', ak: DEMO_AK, sk: DEMO_SK });
    expect(grandchild.authType).toBe('aksk');
    await grandchild.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    expect(emu.requests[0]?.auth).toEqual({ type: 'aksk', ak: DEMO_AK });
  });

  it('gives a client with other credentials and the same endpoint and policy', async () => {
    const base = new DbssClient({
      endpoint: emu.url,
      auth: { type: 'token', token: 'MIIwrong-token-for-the-base-client-0000' },
      projectId: DEMO_PROJECT_ID,
      maxRetries: 1,
      timeoutMs: 4321,
    });
    const child = base.withAuth({ type: 'token', token: DEMO_TOKEN });
    expect(child).toMatchObject({
      endpoint: base.endpoint,
      projectId: DEMO_PROJECT_ID,
      maxRetries: 1,
      timeoutMs: 4321,
    });
    expect((await child.listObsBuckets()).length).toBeGreaterThan(0);
    await expect(base.listObsBuckets()).rejects.toBeInstanceOf(DbssAuthenticationError);
    const aksk = base.withAuth({ type: 'aksk', ak: DEMO_AK, sk: DEMO_SK });
    expect(aksk.authType).toBe('aksk');
    expect((await aksk.listObsBuckets()).length).toBeGreaterThan(0);
  });

  it('checks the new credentials before any I/O', () => {
    const base = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN } });
    expect(() => base.withAuth({ type: 'token', token: '' })).toThrow(DbssConfigError);
  });
});

describe('per-call headers', () => {
  it('are sent on the request', async () => {
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'aksk', ak: DEMO_AK, sk: DEMO_SK } });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await c.listObsBuckets({ projectId: DEMO_PROJECT_ID, headers: { traceparent } });
    expect(emu.requests[0]?.headers.traceparent).toBe(traceparent);
    expect(emu.requests[0]?.status).toBe(200);
  });

  it.each(['Authorization', 'x-auth-token', 'X-Sdk-Date', 'x-project-id', 'Host', 'X-Security-Token'])(
    'may not set %s',
    async (name) => {
      const c = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN } });
      const err = await c.listObsBuckets({ projectId: DEMO_PROJECT_ID, headers: { [name]: 'x' } }).catch((e) => e);
      expect(err).toBeInstanceOf(DbssValidationError);
      expect((err as DbssValidationError).field).toBe('headers');
      expect(emu.requestCount).toBe(0);
    },
  );

  it('refuses a value with a line break', async () => {
    const c = new DbssClient({ endpoint: emu.url, auth: { type: 'token', token: DEMO_TOKEN } });
    const err = await c
      .listObsBuckets({ projectId: DEMO_PROJECT_ID, headers: { tracestate: 'a\r\nb: c' } })
      .catch((e) => e);
    expect(err).toBeInstanceOf(DbssValidationError);
    expect(emu.requestCount).toBe(0);
  });
});

describe('describe', () => {
  it('says where credentials and project id came from, without a secret', () => {
    const c = DbssClient.fromEnv({
      HUAWEICLOUD_SDK_REGION: 'cn-north-4',
      HUAWEICLOUD_SDK_AK: DEMO_AK,
      HUAWEICLOUD_SDK_SK: DEMO_SK,
      HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
    });
    const d = c.describe();
    expect(d).toEqual({
      region: 'cn-north-4',
      endpoint: 'https://dbss.cn-north-4.myhuaweicloud.com/',
      authType: 'aksk',
      credentialSource: 'env:aksk',
      projectId: DEMO_PROJECT_ID,
      projectIdSource: 'env',
    });
    expect(JSON.stringify(d)).not.toContain(DEMO_SK);
    const opt = new DbssClient({ region: 'cn-north-4', auth: { type: 'token', token: DEMO_TOKEN } }).describe();
    expect(opt).toEqual({
      region: 'cn-north-4',
      endpoint: 'https://dbss.cn-north-4.myhuaweicloud.com/',
      authType: 'token',
      credentialSource: 'options',
    });
  });
});

describe('resolveProjectId', () => {
  it('returns the configured project id without a request', async () => {
    const c = new DbssClient({
      endpoint: emu.url,
      auth: { type: 'token', token: DEMO_TOKEN },
      projectId: DEMO_PROJECT_ID,
    });
    expect(await c.resolveProjectId()).toBe(DEMO_PROJECT_ID);
    expect(emu.requestCount).toBe(0);
  });
});

describe('error fields', () => {
  it('DbssProjectNotFoundError carries its code and region', () => {
    const e = new DbssProjectNotFoundError('cn-north-4');
    expect(isDbssError(e)).toBe(true);
    expect(e).toMatchObject({ code: 'PROJECT_NOT_FOUND', region: 'cn-north-4', name: 'DbssProjectNotFoundError' });
    expect(e.toJSON()).toMatchObject({ code: 'PROJECT_NOT_FOUND', region: 'cn-north-4' });
  });

  it('DbssConfigError carries file and key', () => {
    const e = new DbssConfigError('bad', { file: '/x/credentials', key: 'sk' });
    expect(e.toJSON()).toMatchObject({ code: 'CONFIG_ERROR', file: '/x/credentials', key: 'sk' });
  });
});
