// Faults aimed at a route hit that route only, and wrap its own answer; every answer carries one request id.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID, DEMO_REGION, DEMO_TOKEN, IAM_PATHS, METADATA_PATHS } from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';

const emu = emulatorForFile({ beforeAll, afterAll });
afterEach(() => emu.clearFaults());

const auth = { 'X-Auth-Token': DEMO_TOKEN };
const list = () => fetch(`${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, { headers: auth });
const projects = () => fetch(`${emu.url}${IAM_PATHS.projects}?name=${DEMO_REGION}`, { headers: auth });
const securityKey = () => fetch(emu.url + METADATA_PATHS.securityKey);

describe('one request id per answer', () => {
  it('a 429 carries the same request id in X-Request-Id and in its body request_id', async () => {
    emu.fault({ status: 429 }, { times: 1 });
    const res = await list();
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error_code: string; request_id: string };
    expect(body.error_code).toBe('APIGW.0308');
    expect(body.request_id).toBe(res.headers.get('x-request-id'));
    expect(emu.requests.at(-1)?.requestId).toBe(body.request_id);
  });

  it('a fault body object that names a request_id keeps it, and it is the answer’s X-Request-Id too', async () => {
    emu.fault({ status: 429, body: { error_code: 'APIGW.0308', error_msg: 'throttled', request_id: 'body-id' } });
    const res = await list();
    expect(((await res.json()) as { request_id: string }).request_id).toBe('body-id');
    expect(res.headers.get('x-request-id')).toBe('body-id');
    expect(emu.requests.at(-1)?.requestId).toBe('body-id');
  });

  it('a fault body whose request_id is not a string carries the answer’s own id', async () => {
    emu.fault({ status: 500, body: { error_code: 'X', request_id: null } });
    const res = await list();
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(((await res.json()) as { request_id: string }).request_id).toBe(id);
  });

  it('every answer has an X-Request-Id, the recorded one, and API-gateway bodies repeat it', async () => {
    const answers = [
      await list(),
      await fetch(`${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`),
      await fetch(`${emu.url}/v2/nothex/audit/backup/obs-buckets`, { headers: auth }),
      await fetch(`${emu.url}/no/such/api`),
      await fetch(`${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, {
        headers: { Authorization: 'SDK-HMAC-SHA256 broken' },
      }),
      await projects(),
      await securityKey(),
    ];
    const ids = new Set<string>();
    for (const res of answers) {
      const id = res.headers.get('x-request-id') as string;
      expect(id).toMatch(/^[0-9a-f]{32}$/);
      ids.add(id);
      const body = (await res.json()) as { request_id?: string };
      if (body.request_id !== undefined) expect(body.request_id).toBe(id);
      expect(emu.requests.some((r) => r.requestId === id)).toBe(true);
    }
    expect(ids.size).toBe(answers.length);
  });
});

describe('faults per route', () => {
  it('a fault without a route hits the list route only', async () => {
    emu.fault({ status: 500 });
    expect((await list()).status).toBe(500);
    expect((await projects()).status).toBe(200);
    expect((await securityKey()).status).toBe(200);
  });

  it('a fault on the IAM route answers IAM requests in IAM style and leaves the list alone', async () => {
    emu.fault({ status: 503 }, { route: 'iam' });
    const res = await projects();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 503 } });
    expect((await list()).status).toBe(200);
    expect(emu.requests.at(-2)?.route).toBe('iam');
  });

  it('a drip fault on the IAM route sends the IAM route’s own answer, not the bucket list', async () => {
    emu.fault({ dripMs: 1 }, { route: 'iam', times: 1 });
    const res = await projects();
    expect(res.status).toBe(200);
    const body = (await res.json()) as { projects: { id: string }[]; obs_list?: unknown };
    expect(body.obs_list).toBeUndefined();
    expect(body.projects.map((p) => p.id)).toEqual([DEMO_PROJECT_ID]);
  });

  it('a delay fault on the metadata route holds the answer, then sends a credential', async () => {
    emu.fault({ delayMs: 800 }, { route: 'metadata', times: 1 });
    const [answered, arrived] = [emu.requests.length, emu.requestCount];
    const pending = securityKey();
    // Counted on arrival, recorded once answered: arrived but not answered means it is being held.
    while (emu.requestCount === arrived) await new Promise((r) => setTimeout(r, 10));
    expect(emu.requests.length).toBe(answered);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { credential: { access: string } }).credential.access).toMatch(/^[A-Z0-9]{20}$/);
    expect(emu.requests.at(-1)?.route).toBe('metadata');
  });

  it('malformed JSON and connection resets on the metadata route', async () => {
    emu.fault({ malformedJson: true }, { route: 'metadata', times: 1 });
    const truncated = await securityKey();
    expect(truncated.status).toBe(200);
    await expect(truncated.json()).rejects.toThrow();
    emu.fault({ reset: true }, { route: 'metadata', times: 1 });
    await expect(securityKey()).rejects.toThrow();
    expect((await securityKey()).status).toBe(200);
  });

  it('route "any" hits every route', async () => {
    emu.fault({ status: 502 }, { route: 'any', times: 3 });
    expect([(await list()).status, (await projects()).status, (await securityKey()).status]).toEqual([502, 502, 502]);
  });

  it('a fault with an unknown route is refused, naming match.route (handle and control API)', async () => {
    expect(() => emu.fault({ status: 500 }, { route: 'dbss' as 'list' })).toThrow(/match\.route/);
    const res = await fetch(`${emu.url}/__emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ fault: { status: 500 }, match: { route: 'dbss' } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('match.route');
    expect((await list()).status).toBe(200);
  });

  it('a fault with a bad field is refused over the control API (400 naming it), and the route keeps answering', async () => {
    const bad: [object, string][] = [
      [{ fault: { status: 'x' } }, 'fault.status'],
      [{ fault: { status: 99 } }, 'fault.status'],
      [{ fault: { delayMs: -1 } }, 'fault.delayMs'],
      [{ fault: { dripMs: 'slow' } }, 'fault.dripMs'],
      [{ fault: { reset: 'yes' } }, 'fault.reset'],
      [{ fault: { body: null } }, 'fault.body'],
      [{ fault: { headers: { 'X-A': 1 } } }, 'fault.headers'],
      [{ fault: { status: 500 }, match: { projectId: 5 } }, 'match.projectId'],
    ];
    for (const [body, field] of bad) {
      const res = await fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { error: string }).error).toContain(field);
    }
    expect((await list()).status).toBe(200);
  });
});
