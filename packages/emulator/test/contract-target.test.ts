// How the contract suite picks its target from the environment (the suite itself is in test/contract/).
import { describe, expect, it } from 'vitest';
import { chooseTarget, type OpenableTarget, openTarget } from './contract/target.js';

const cloudEnv = {
  DBSS_CONTRACT_TARGET: 'cloud',
  HUAWEICLOUD_SDK_REGION: 'cn-north-4',
  HUAWEICLOUD_SDK_AK: 'AK',
  HUAWEICLOUD_SDK_SK: 'SK',
  HUAWEICLOUD_SDK_PROJECT_ID: 'a'.repeat(32),
};

describe('contract target', () => {
  it('is the emulator unless DBSS_CONTRACT_TARGET=cloud', () => {
    expect(chooseTarget({})).toEqual({ kind: 'emulator' });
    expect(chooseTarget({ DBSS_CONTRACT_TARGET: 'emulator' })).toEqual({ kind: 'emulator' });
  });

  it('cloud without credentials skips with one line naming exactly what is missing', () => {
    const c = chooseTarget({ DBSS_CONTRACT_TARGET: 'cloud', HUAWEICLOUD_SDK_REGION: 'cn-north-4' });
    expect(c.kind).toBe('skip');
    const reason = (c as { reason: string }).reason;
    expect(reason).not.toContain('\n');
    expect(reason).toMatch(/set HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID \(/);
  });

  it('an unknown target value is named, not guessed, and fails the suite instead of skipping it', () => {
    expect(chooseTarget({ DBSS_CONTRACT_TARGET: 'staging' })).toMatchObject({ kind: 'invalid' });
  });

  it('cloud derives DBSS and IAM endpoints from the region, or takes the overrides', async () => {
    const c = chooseTarget(cloudEnv);
    expect(c.kind).toBe('cloud');
    const t = await openTarget(c as OpenableTarget);
    expect(t).toMatchObject({
      endpoint: 'https://dbss.cn-north-4.myhuaweicloud.com',
      iamEndpoint: 'https://iam.cn-north-4.myhuaweicloud.com',
      key: { ak: 'AK', sk: 'SK' },
      temporaryKey: undefined,
      token: undefined,
    });
    const o = chooseTarget({
      ...cloudEnv,
      DBSS_ENDPOINT: 'http://127.0.0.1:9/',
      HUAWEICLOUD_SDK_IAM_ENDPOINT: 'http://127.0.0.1:9',
      HUAWEICLOUD_SDK_SECURITY_TOKEN: 'st',
    });
    const u = await openTarget(o as OpenableTarget);
    expect(u.endpoint).toBe('http://127.0.0.1:9');
    expect(u.temporaryKey).toEqual({ ak: 'AK', sk: 'SK', securityToken: 'st' });
  });
});
