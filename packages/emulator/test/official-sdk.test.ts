// Huawei's official Node SDK core (@huaweicloud/huaweicloud-sdk-core) as a client of the emulator:
// what an official-SDK user meets, driven the way a generated DbssClient drives HcClient.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AK, DEMO_BUCKETS, DEMO_PROJECT_ID, DEMO_REGION, DEMO_SK, METADATA_PATHS } from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';

interface SdkCredentials {
  withAk(ak: string): SdkCredentials;
  withSk(sk: string): SdkCredentials;
  withSecurityToken(token: string): SdkCredentials;
  withProjectId(id: string): SdkCredentials;
  withIamEndpoint(url: string): SdkCredentials;
}
interface HcClient {
  sendRequest(options: Record<string, unknown>): Promise<Record<string, unknown>>;
}
interface SdkError {
  httpStatusCode: number;
  errorCode: string;
  errorMsg: string;
  requestId: string;
}

const require = createRequire(import.meta.url);
const { ClientBuilder } = require('@huaweicloud/huaweicloud-sdk-core/ClientBuilder') as {
  ClientBuilder: new (
    init: (c: HcClient) => HcClient,
  ) => {
    withCredential(c: SdkCredentials): ReturnType<typeof builder>;
    withEndpoint(url: string): ReturnType<typeof builder>;
    withRegion(r: unknown): ReturnType<typeof builder>;
    build(): HcClient;
  };
};
const { BasicCredentials } = require('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials') as {
  BasicCredentials: new () => SdkCredentials;
};
const { Region } = require('@huaweicloud/huaweicloud-sdk-core/region/region') as {
  Region: new (id: string, endpoint: string) => unknown;
};
const { AuthCache } = require('@huaweicloud/huaweicloud-sdk-core/internal/services/authcache') as {
  AuthCache: { instance(): { putCache(k: string, v: unknown): void } };
};
const builder = () => new ClientBuilder((c) => c);

/** The request a generated DbssClient.listAuditObsBuckets() hands to HcClient. */
const listAuditObsBuckets = () => ({
  method: 'GET',
  url: '/v2/{project_id}/audit/backup/obs-buckets',
  contentType: 'application/json',
  queryParams: {},
  pathParams: {},
  headers: {},
  data: {},
});

async function sdkError(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (e) {
    return e as SdkError;
  }
  throw new Error('expected the SDK call to fail');
}

const emu = emulatorForFile({ beforeAll, afterAll });

const aksk = (ak = DEMO_AK, sk = DEMO_SK) => new BasicCredentials().withAk(ak).withSk(sk);

describe('the official Node SDK against the emulator', () => {
  it('lists the buckets with AK/SK (signed by the SDK, X-Project-Id from the credential)', async () => {
    const client = builder().withCredential(aksk().withProjectId(DEMO_PROJECT_ID)).withEndpoint(emu.url).build();
    const res = await client.sendRequest(listAuditObsBuckets());
    expect(res.httpStatusCode).toBe(200);
    expect(res.obs_list).toEqual(DEMO_BUCKETS);
    const seen = emu.requests.at(-1);
    expect(seen?.auth).toEqual({ type: 'aksk', ak: DEMO_AK });
    expect(seen?.headers['x-project-id']).toBe(DEMO_PROJECT_ID);
  });

  it('lists with temporary credentials from the metadata route and their security token', async () => {
    const { credential } = (await (await fetch(emu.url + METADATA_PATHS.securityKey)).json()) as {
      credential: { access: string; secret: string; securitytoken: string };
    };
    const cred = aksk(credential.access, credential.secret)
      .withSecurityToken(credential.securitytoken)
      .withProjectId(DEMO_PROJECT_ID);
    const res = await builder().withCredential(cred).withEndpoint(emu.url).build().sendRequest(listAuditObsBuckets());
    expect(res.httpStatusCode).toBe(200);
    expect(emu.requests.at(-1)?.auth).toMatchObject({ ak: credential.access, temporary: true });
    expect(emu.requests.at(-1)?.headers['x-security-token']).toBe('[REDACTED]');
  });

  it('a wrong SK comes out as the SDK’s error with errorCode APIGW.0301 and requestId filled', async () => {
    const client = builder()
      .withCredential(aksk(DEMO_AK, 'wrong-secret-key').withProjectId(DEMO_PROJECT_ID))
      .withEndpoint(emu.url)
      .build();
    // The SDK logs every failed call, request headers included; keep the test output quiet.
    const quiet = { error() {}, warn() {}, info() {}, debug() {} };
    (client as unknown as { httpClient: { _logger: typeof quiet } }).httpClient._logger = quiet;
    const err = await sdkError(client.sendRequest(listAuditObsBuckets()));
    expect(err.httpStatusCode).toBe(401);
    expect(err.errorCode).toBe('APIGW.0301');
    expect(err.requestId).toBe(emu.requests.at(-1)?.requestId);
    expect(err.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('without a project id, the SDK discovers it from GET /v3/projects?name={region}', async () => {
    // The SDK caches discovered project ids per AK+region for the whole process: start clean.
    AuthCache.instance().putCache(`${DEMO_AK}${DEMO_REGION}project_id`, undefined);
    const client = builder()
      .withCredential(aksk().withIamEndpoint(emu.url))
      .withRegion(new Region(DEMO_REGION, emu.url))
      .build();
    const before = emu.requests.length;
    const res = await client.sendRequest(listAuditObsBuckets());
    expect(res.httpStatusCode).toBe(200);
    expect(res.obs_list).toEqual(DEMO_BUCKETS);
    const calls = emu.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls).toEqual([
      `GET /v3/projects?name=${DEMO_REGION} 200`,
      `GET /v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets 200`,
    ]);
  });
});
