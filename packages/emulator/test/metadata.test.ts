// The ECS metadata routes a credential chain reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID, DEMO_REGION, METADATA_PATHS } from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';

const emu = emulatorForFile({ beforeAll, afterAll });

describe('GET /openstack/latest/securitykey', () => {
  it('answers the documented shape: credential {access, secret, securitytoken, expires_at (RFC 3339)}', async () => {
    const res = await fetch(emu.url + METADATA_PATHS.securityKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const { credential } = (await res.json()) as { credential: Record<string, string> };
    expect(Object.keys(credential).sort()).toEqual(['access', 'expires_at', 'secret', 'securitytoken']);
    expect(credential.expires_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  });

  it('issues a different credential on each call', async () => {
    const get = async () =>
      ((await (await fetch(emu.url + METADATA_PATHS.securityKey)).json()) as { credential: { access: string } })
        .credential.access;
    expect(await get()).not.toBe(await get());
  });

  it('other methods on it are 404 APIGW.0101', async () => {
    const res = await fetch(emu.url + METADATA_PATHS.securityKey, { method: 'POST' });
    expect(res.status).toBe(404);
  });
});

describe('GET /openstack/latest/meta_data.json', () => {
  it('names the instance’s project and region', async () => {
    const res = await fetch(emu.url + METADATA_PATHS.metaData);
    expect(await res.json()).toMatchObject({ project_id: DEMO_PROJECT_ID, region_id: DEMO_REGION });
  });
});
