// Where the gateway sends DBSS and IAM calls: the official SDKs' per-region variable
// (HUAWEICLOUD_SDK_REGION_DBSS_<REGION>), and no credential to a guessed IAM host (issues 16 and 18).
import { DEMO_BUCKETS, DEMO_REGION, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGateway, gatewayConfigFromEnv } from '../src/index.js';
import { gql } from './helpers.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

const ask = (g: ReturnType<typeof createGateway>, region = DEMO_REGION) =>
  gql(
    (u, i) => g.yoga.fetch(u, i),
    'http://yoga/graphql',
    { region: region || undefined }, // '' asks without a region
    { 'X-Auth-Token': DEMO_TOKEN },
    'query Q($region: String) { obsBuckets(region: $region) { bucketName } }',
  );

describe('gateway endpoints', () => {
  it('reads HUAWEICLOUD_SDK_REGION_DBSS_<REGION> per region, checked, and DBSS_ENDPOINT stays the override', () => {
    const cfg = gatewayConfigFromEnv({
      HUAWEICLOUD_SDK_REGION: DEMO_REGION,
      HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4: emu.url,
      HUAWEICLOUD_SDK_REGION_DBSS_CN_SOUTH_1: `${emu.url}/south`,
    });
    expect(cfg.demo).toBe(false);
    expect(cfg.gateway.regionEndpoints).toEqual({ 'cn-north-4': `${emu.url}/`, 'cn-south-1': `${emu.url}/south/` });
    expect(() =>
      gatewayConfigFromEnv({
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        HUAWEICLOUD_SDK_REGION_DBSS_CN_EAST_3: 'ftp://x:pw@h',
      }),
    ).toThrow('HUAWEICLOUD_SDK_REGION_DBSS_CN_EAST_3');
  });

  it('a query goes to the region’s own endpoint when only the region variable names it', async () => {
    const g = createGateway({
      region: DEMO_REGION,
      regionEndpoints: { [DEMO_REGION]: emu.url },
      iamEndpoint: emu.url,
      timeoutMs: 2000,
      maxRetries: 0,
    });
    const { body } = await ask(g);
    expect(body.errors).toBeUndefined();
    expect(body.data?.obsBuckets).toHaveLength(DEMO_BUCKETS.length);
    expect(emu.requests.map((r) => r.route)).toEqual(['iam', 'list']);
  });

  it('DBSS_ENDPOINT without HUAWEICLOUD_SDK_IAM_ENDPOINT: a query without projectId is BAD_USER_INPUT naming it, and nothing is sent', async () => {
    // A fetch that records and never leaves the process: no guessed IAM host is contacted, even by mistake.
    const sent: string[] = [];
    const fetch = async (input: URL | string) => {
      sent.push(String(input));
      return new Response('{}', { status: 599 });
    };
    const g = createGateway({ endpoint: emu.url, region: DEMO_REGION, timeoutMs: 2000, maxRetries: 0, fetch });
    const { body } = await ask(g);
    expect(sent).toEqual([]);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain('HUAWEICLOUD_SDK_IAM_ENDPOINT');
    expect(emu.requestCount).toBe(0);
  });

  it('no region anywhere and no projectId: BAD_USER_INPUT naming HUAWEICLOUD_SDK_IAM_ENDPOINT (or the region when IAM is named), nothing sent', async () => {
    const sent: string[] = [];
    const fetch = async (input: URL | string) => {
      sent.push(String(input));
      return new Response('{}', { status: 599 });
    };
    const noIam = await ask(createGateway({ endpoint: emu.url, timeoutMs: 2000, maxRetries: 0, fetch }), '');
    expect(noIam.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(noIam.body.errors?.[0]?.message).toContain('HUAWEICLOUD_SDK_IAM_ENDPOINT');
    const withIam = createGateway({ endpoint: emu.url, iamEndpoint: emu.url, timeoutMs: 2000, maxRetries: 0, fetch });
    const noRegion = await ask(withIam, '');
    expect(noRegion.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(noRegion.body.errors?.[0]?.message).toContain('HUAWEICLOUD_SDK_REGION');
    expect(sent).toEqual([]);
    expect(emu.requestCount).toBe(0);
  });
});
