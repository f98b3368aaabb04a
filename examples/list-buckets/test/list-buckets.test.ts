import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_AK, DEMO_PROJECT_ID, DEMO_REGION, DEMO_SK, DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/list-buckets.js';

const emu = emulatorForFile({ beforeAll, afterAll });
const env = () => ({
  DBSS_ENDPOINT: emu.url,
  HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
  HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
  HOME: '/nonexistent-home-for-tests',
});

describe('list-buckets', () => {
  it('--help prints the usage and exits 0; an unknown option says where help is (exit 2)', async () => {
    const bin = join(import.meta.dirname, '../dist/list-buckets.js');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: list-buckets [--cli-output table|json|tsv]');
    expect(help.stderr).toBe('');
    expect((await main(['-h'], {})).out).toContain('Exit codes:');
    const bad = await main(['--nope'], {});
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('list-buckets --help shows the options.');
  });

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

  it('goes through the credential chain: a profile file, and the project discovered from the region', async () => {
    const home = mkdtempSync(join(tmpdir(), 'list-buckets-home-'));
    try {
      mkdirSync(join(home, '.huaweicloud'));
      writeFileSync(join(home, '.huaweicloud', 'credentials'), `[basic]\r\nak = ${DEMO_AK}\r\nsk = ${DEMO_SK}\r\n`);
      const r = await main(['--cli-output', 'tsv', '--debug'], {
        HOME: home,
        HUAWEICLOUD_SDK_REGION: DEMO_REGION,
        DBSS_ENDPOINT: emu.url,
        HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
      });
      expect(r.code).toBe(0);
      expect(r.out.split('\n')).toHaveLength(12);
      expect(r.err).toContain('credentials from profile');
      expect(r.err).toContain('"projectIdSource":"discovery"');
      expect(r.err).not.toContain(DEMO_SK);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('a region without a project exits 2 naming the region', async () => {
    const r = await main([], {
      HOME: '/nonexistent-home-for-tests',
      HUAWEICLOUD_SDK_REGION: 'ap-southeast-3',
      DBSS_ENDPOINT: emu.url,
      HUAWEICLOUD_SDK_IAM_ENDPOINT: emu.url,
      HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain('PROJECT_NOT_FOUND');
    expect(r.err).toContain('ap-southeast-3');
  });
});
