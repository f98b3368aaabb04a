import { DEMO_PROJECT_ID, DEMO_TOKEN, type Emulator, startEmulator } from '@dbss-obs/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/list-buckets.js';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
const env = () => ({
  DBSS_ENDPOINT: emu.url,
  HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
  HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
});

describe('list-buckets', () => {
  it('prints a table by default', async () => {
    const r = await main([], env());
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toMatch(/^\| bucket_name\s+\| location\s+\|$/);
    expect(r.out).toContain('| dbss-audit-backup-prod');
  });

  it('prints JSON with the API field names and TSV', async () => {
    const json = JSON.parse((await main(['--cli-output', 'json'], env())).out);
    expect(json.obs_list[0]).toEqual({ bucket_name: 'dbss-audit-backup-prod', location: 'cn-north-4' });
    const tsv = (await main(['--cli-output', 'tsv'], env())).out.split('\n');
    expect(tsv).toHaveLength(12);
    expect(tsv[0]).toBe('dbss-audit-backup-prod\tcn-north-4');
  });

  it('maps errors to exit codes from error fields', async () => {
    expect((await main([], { ...env(), HUAWEICLOUD_AUTH_TOKEN: 'MIIbad-token-00000000000000000' })).code).toBe(3);
    expect((await main(['--cli-output', 'yaml'], env())).code).toBe(2);
    const bad = await main([], { ...env(), HUAWEICLOUD_SDK_REGION: 'mars-1', DBSS_ENDPOINT: '' });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('HUAWEICLOUD_SDK_REGION');
  });
});
