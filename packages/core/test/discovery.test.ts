// Project id discovery against the emulator's IAM routes, for all three auth modes, cached per
// credential + region (a second call makes no IAM request), shared with withAuth clients.
import {
  DEMO_AK,
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  IAM_PATHS,
} from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DbssAuth,
  DbssClient,
  type DbssClientOptions,
  DbssProjectNotFoundError,
  DbssValidationError,
} from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

const iamCalls = () => emu.requests.filter((r) => r.route === 'iam');
const client = (auth: DbssAuth, o: Partial<DbssClientOptions> = {}) =>
  new DbssClient({ region: DEMO_REGION, endpoint: emu.url, iamEndpoint: emu.url, auth, proxy: false, ...o });
const modes: [string, () => DbssAuth, string][] = [
  ['AK/SK', () => ({ type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }), `${IAM_PATHS.projects}?name=${DEMO_REGION}`],
  ['token', () => ({ type: 'token', token: DEMO_TOKEN }), IAM_PATHS.authProjects],
  [
    'password',
    () => ({ type: 'password', user: DEMO_USER.name, password: DEMO_USER.password, domain: DEMO_USER.domain }),
    IAM_PATHS.tokens,
  ],
];

describe.each(modes)('discovery with %s', (_, auth, path) => {
  it('finds the project named after the region, then uses the cache', async () => {
    const c = client(auth());
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    expect(iamCalls().map((r) => r.path)).toEqual([path]);
    expect(emu.requests.find((r) => r.route === 'list')?.path).toContain(DEMO_PROJECT_ID);
    expect(c.describe()).toMatchObject({ projectId: DEMO_PROJECT_ID, projectIdSource: 'discovery' });
    // Second call, and a withAuth client with the same credentials: no IAM request.
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    expect(await c.withAuth(auth()).resolveProjectId()).toBe(DEMO_PROJECT_ID);
    expect(iamCalls()).toHaveLength(1);
  });

  it('concurrent first calls share one lookup', async () => {
    const c = client(auth());
    const ids = await Promise.all(Array.from({ length: 6 }, () => c.resolveProjectId()));
    expect(new Set(ids)).toEqual(new Set([DEMO_PROJECT_ID]));
    expect(iamCalls()).toHaveLength(1);
  });

  it('a region without a project is DbssProjectNotFoundError naming it', async () => {
    const c = client(auth(), { region: 'ap-southeast-3' });
    const err = await c.listObsBuckets().catch((e) => e);
    expect(err).toBeInstanceOf(DbssProjectNotFoundError);
    expect(err).toMatchObject({ code: 'PROJECT_NOT_FOUND', region: 'ap-southeast-3' });
    expect(emu.requests.filter((r) => r.route === 'list')).toHaveLength(0);
  });
});

describe('discovery details', () => {
  it('the AK/SK lookup is signed, names the region and sends no X-Project-Id', async () => {
    await client({ type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }).resolveProjectId();
    const [req] = iamCalls();
    expect(req?.path).toBe(`${IAM_PATHS.projects}?name=${DEMO_REGION}`);
    expect(req?.auth).toMatchObject({ type: 'aksk', ak: DEMO_AK });
    expect(req?.headers['x-project-id']).toBeUndefined();
    expect(req?.status).toBe(200);
  });

  it('the password login made for discovery also serves the list call', async () => {
    const c = client({
      type: 'password',
      user: DEMO_USER.name,
      password: DEMO_USER.password,
      domain: DEMO_USER.domain,
    });
    await c.listObsBuckets();
    await c.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    expect(iamCalls()).toHaveLength(1);
  });

  it('other credentials are looked up again (the cache is per credential)', async () => {
    const c = client({ type: 'token', token: DEMO_TOKEN });
    await c.resolveProjectId();
    await c.withAuth({ type: 'aksk', ak: DEMO_AK, sk: DEMO_SK }).resolveProjectId();
    expect(iamCalls().map((r) => r.path)).toEqual([
      IAM_PATHS.authProjects,
      `${IAM_PATHS.projects}?name=${DEMO_REGION}`,
    ]);
  });

  it('a configured project id is used without any IAM request', async () => {
    const c = client({ type: 'token', token: DEMO_TOKEN }, { projectId: DEMO_PROJECT_ID });
    await c.listObsBuckets();
    expect(iamCalls()).toHaveLength(0);
  });

  it('without a region nothing can be discovered: a validation error before any I/O', async () => {
    const c = client({ type: 'token', token: DEMO_TOKEN }, { region: undefined });
    await expect(c.resolveProjectId()).rejects.toBeInstanceOf(DbssValidationError);
    await expect(c.listObsBuckets()).rejects.toBeInstanceOf(DbssValidationError);
    expect(emu.requestCount).toBe(0);
  });

  it('fromEnv discovers through HUAWEICLOUD_SDK_IAM_ENDPOINT when no project id is set', async () => {
    const lines: string[] = [];
    const c = DbssClient.fromEnv(
      {
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        DBSS_ENDPOINT: emu.url,
        HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
        HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
        HOME: '/nonexistent-home-for-tests',
      },
      { logger: { debug: (m) => lines.push(m) } },
    );
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    expect(c.describe().projectIdSource).toBe('discovery');
    expect(lines.join('\n')).toContain(DEMO_PROJECT_ID);
    expect(lines.join('\n')).not.toContain(DEMO_TOKEN);
  });

  it('an IAM failure during discovery keeps its own typed error', async () => {
    emu.fault({ status: 503 }, { route: 'iam' });
    const err = await client({ type: 'token', token: DEMO_TOKEN }, { maxRetries: 1, retry: { baseDelayMs: 5 } })
      .resolveProjectId()
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'SERVER_ERROR', status: 503 });
    expect(iamCalls()).toHaveLength(2);
  });
});
