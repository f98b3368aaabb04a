// Huawei's official Node SDK core (@huaweicloud/huaweicloud-sdk-core) as a client of the emulator:
// what an official-SDK user meets, driven the way a generated DbssClient drives HcClient.
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  banner,
  DEMO_AK,
  DEMO_BUCKETS,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_SK,
  DEMO_TOKEN,
  DEMO_USER,
  METADATA_PATHS,
  startEmulator,
} from '../src/index.js';
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
    withOptions(o: Record<string, unknown>): ReturnType<typeof builder>;
    build(): HcClient;
    envParams: Record<string, string | undefined>;
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

  it('takes its credentials from the banner’s exports (AK, SK, IAM endpoint) and discovers the project', async () => {
    // The SDK maps every HUAWEICLOUD_SDK_* variable onto its credential (HUAWEICLOUD_SDK_IAM_ENDPOINT →
    // withIamEndpoint); without a project id it asks IAM at that endpoint.
    const text = banner({
      url: emu.url,
      token: DEMO_TOKEN,
      ak: DEMO_AK,
      sk: DEMO_SK,
      user: DEMO_USER,
      tempCredentialTtlSeconds: 60,
    });
    const env = Object.fromEntries([...text.matchAll(/^\s*export (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    delete env.HUAWEICLOUD_SDK_PROJECT_ID;
    AuthCache.instance().putCache(`${DEMO_AK}${DEMO_REGION}project_id`, undefined);
    const b = builder();
    b.envParams = env;
    const endpoint = env[`HUAWEICLOUD_SDK_REGION_DBSS_${DEMO_REGION.toUpperCase().replaceAll('-', '_')}`] as string;
    const client = b.withRegion(new Region(DEMO_REGION, endpoint)).build();
    const before = emu.requests.length;
    const res = await client.sendRequest(listAuditObsBuckets());
    expect(res.httpStatusCode).toBe(200);
    expect(emu.requests.slice(before).map((r) => `${r.route} ${r.status} ${r.auth.ak}`)).toEqual([
      `iam 200 ${DEMO_AK}`,
      `list 200 ${DEMO_AK}`,
    ]);
  });

  it('a fault body’s request_id is the requestId the SDK reports', async () => {
    emu.fault(
      {
        status: 500,
        body: { error_code: 'DBSS.11000000', error_msg: 'Internal error.', request_id: 'fault-named-request-id' },
      },
      { times: 1 },
    );
    const client = builder().withCredential(aksk().withProjectId(DEMO_PROJECT_ID)).withEndpoint(emu.url).build();
    const quiet = { error() {}, warn() {}, info() {}, debug() {} };
    (client as unknown as { httpClient: { _logger: typeof quiet } }).httpClient._logger = quiet;
    const err = await sdkError(client.sendRequest(listAuditObsBuckets()));
    expect(err.httpStatusCode).toBe(500);
    expect(err.requestId).toBe('fault-named-request-id');
  });

  it('over --tls: lists when its https agent trusts the emulator’s CA, and refuses the certificate otherwise', async () => {
    const secure = await startEmulator({ tls: true });
    try {
      const trusted = builder()
        .withCredential(aksk().withProjectId(DEMO_PROJECT_ID))
        .withEndpoint(secure.url)
        .withOptions({ axiosRequestConfig: { httpsAgent: new HttpsAgent({ ca: secure.tls?.ca }) } })
        .build();
      const res = await trusted.sendRequest(listAuditObsBuckets());
      expect(res.httpStatusCode).toBe(200);
      expect(res.obs_list).toEqual(DEMO_BUCKETS);
      const untrusted = builder()
        .withCredential(aksk().withProjectId(DEMO_PROJECT_ID))
        .withEndpoint(secure.url)
        .build();
      const quiet = { error() {}, warn() {}, info() {}, debug() {} };
      (untrusted as unknown as { httpClient: { _logger: typeof quiet } }).httpClient._logger = quiet;
      const err = (await sdkError(untrusted.sendRequest(listAuditObsBuckets()))) as unknown as { message: string };
      expect(err.message).toMatch(/certificate/i);
      expect(secure.requests.filter((r) => r.route === 'list')).toHaveLength(1);
    } finally {
      await secure.close();
    }
  });
});
