// IAM as project discovery and password login use it: /v3/projects, /v3/auth/projects, /v3/auth/tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_AK,
  DEMO_DOMAIN_ID,
  DEMO_PROJECT_ID,
  DEMO_REGION,
  DEMO_SK,
  DEMO_TOKEN,
  EMPTY_PROJECT_ID,
  FORBIDDEN_PROJECT_ID,
  IAM_PATHS,
  PROJECT_NAMES,
  startEmulator,
} from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';
import { login } from './support/iam.js';
import { signedFetch } from './support/sign.js';

const emu = emulatorForFile({ beforeAll, afterAll });

interface Projects {
  projects: { id: string; name: string; domain_id: string; enabled: boolean }[];
}

describe('GET /v3/projects?name=', () => {
  it('finds the demo project by its region name with an AK/SK-signed request', async () => {
    const res = await signedFetch(`${emu.url}/v3/projects?name=${DEMO_REGION}`, { ak: DEMO_AK, sk: DEMO_SK });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
    const body = (await res.json()) as Projects;
    expect(body.projects).toEqual([
      expect.objectContaining({ id: DEMO_PROJECT_ID, name: DEMO_REGION, domain_id: DEMO_DOMAIN_ID, enabled: true }),
    ]);
  });

  it('each demo project is named after a region, and a token can list them', async () => {
    const res = await fetch(`${emu.url}/v3/projects`, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
    const body = (await res.json()) as Projects;
    const names = Object.fromEntries(body.projects.map((p) => [p.id, p.name]));
    expect(names).toMatchObject(PROJECT_NAMES);
    for (const id of [DEMO_PROJECT_ID, EMPTY_PROJECT_ID, FORBIDDEN_PROJECT_ID]) {
      expect(names[id]).toMatch(/^[a-z]{2}-[a-z]+-\d{1,2}$/);
    }
  });

  it('an unknown region gives an empty list, not an error', async () => {
    const res = await signedFetch(`${emu.url}/v3/projects?name=xx-nowhere-1`, { ak: DEMO_AK, sk: DEMO_SK });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Projects).projects).toEqual([]);
  });

  it('refuses a bad signature with 401 APIGW.0301 and no credential with IAM’s 401', async () => {
    const bad = await signedFetch(`${emu.url}/v3/projects?name=${DEMO_REGION}`, { ak: DEMO_AK, sk: 'wrong' });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ error_code: 'APIGW.0301', request_id: bad.headers.get('x-request-id') });
    const none = await fetch(`${emu.url}/v3/projects?name=${DEMO_REGION}`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: { code: 401 } });
  });

  it('projectNames adds a project to discover in another region', async () => {
    const id = 'a'.repeat(32);
    const e = await startEmulator({ projectNames: { [id]: 'ap-southeast-3' } });
    try {
      const res = await fetch(`${e.url}/v3/projects?name=ap-southeast-3`, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
      expect(((await res.json()) as Projects).projects.map((p) => p.id)).toEqual([id]);
    } finally {
      await e.close();
    }
  });
});

describe('GET /v3/auth/projects', () => {
  it('lists the projects the token may use, each with its region name', async () => {
    const res = await fetch(emu.url + IAM_PATHS.authProjects, { headers: { 'X-Auth-Token': DEMO_TOKEN } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Projects;
    expect(body.projects.map((p) => [p.id, p.name])).toEqual([
      [DEMO_PROJECT_ID, DEMO_REGION],
      [EMPTY_PROJECT_ID, PROJECT_NAMES[EMPTY_PROJECT_ID]],
    ]);
  });

  it('refuses an unknown token with IAM’s 401', async () => {
    const res = await fetch(emu.url + IAM_PATHS.authProjects, { headers: { 'X-Auth-Token': 'nope' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: { code: 401, title: 'Unauthorized' } });
  });
});

describe('POST /v3/auth/tokens', () => {
  it('password login by project id: 201, X-Subject-Token, token.project {id,name} and token.expires_at', async () => {
    const res = await login(emu.url, { id: DEMO_PROJECT_ID });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: { expires_at: string; project: { id: string; name: string } } };
    expect(body.token.project).toMatchObject({ id: DEMO_PROJECT_ID, name: DEMO_REGION });
    expect(Date.parse(body.token.expires_at) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    const token = res.headers.get('x-subject-token') as string;
    expect(
      (await fetch(`${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, { headers: { 'X-Auth-Token': token } }))
        .status,
    ).toBe(200);
  });

  it('project-scoped login by project NAME gives that project’s id', async () => {
    const res = await login(emu.url, { name: DEMO_REGION });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { token: { project: { id: string; name: string } } };
    expect(body.token.project).toMatchObject({ id: DEMO_PROJECT_ID, name: DEMO_REGION });
  });

  it('a wrong password is 401; an unknown project name is 400; a project the user has no role in is 401', async () => {
    expect((await login(emu.url, { id: DEMO_PROJECT_ID }, 'wrong')).status).toBe(401);
    expect((await login(emu.url, { name: 'xx-nowhere-1' })).status).toBe(400);
    expect((await login(emu.url, { id: FORBIDDEN_PROJECT_ID })).status).toBe(401);
  });
});
