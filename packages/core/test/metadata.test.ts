// ECS metadata credentials against the emulator's metadata route (never 169.254.169.254): used, signed
// with their security token, cached, renewed 5 minutes before expiry with one renewal for all callers.
import { DEMO_BUCKETS, DEMO_PROJECT_ID, type Emulator, METADATA_PATHS, startEmulator } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DbssAuthenticationError, DbssClient, DbssResponseError, type FetchLike } from '../src/index.js';

const emu = emulatorForFile({ beforeAll, afterAll });
beforeEach(() => emu.reset());

const env = (url: string) => ({
  DBSS_ENDPOINT: url,
  DBSS_METADATA_ENDPOINT: url,
  HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
  HOME: '/nonexistent-home-for-tests',
});
const metadataCalls = (e: Emulator) => e.requests.filter((r) => r.path === METADATA_PATHS.securityKey);
const listCalls = (e: Emulator) => e.requests.filter((r) => r.route === 'list');

describe('ECS metadata credentials', () => {
  it('are fetched once, used as a temporary AK with its security token, and cached', async () => {
    const c = DbssClient.fromEnv(env(emu.url), { proxy: false });
    expect(c.describe()).toMatchObject({ credentialSource: 'ecs-metadata', authType: 'aksk' });
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    expect(metadataCalls(emu)).toHaveLength(1);
    const lists = listCalls(emu);
    expect(lists.map((r) => r.status)).toEqual([200, 200]);
    for (const r of lists) {
      expect(r.auth).toMatchObject({ type: 'aksk', temporary: true });
      expect(r.headers['x-security-token']).toBe('[REDACTED]');
    }
  });

  it('sign X-Security-Token (it is in SignedHeaders of a signature the emulator accepts)', async () => {
    const sent: Record<string, string>[] = [];
    const recording: FetchLike = (url, init) => {
      sent.push({ ...(init.headers as Record<string, string>) });
      return fetch(url, init);
    };
    const c = DbssClient.fromEnv(env(emu.url), { fetch: recording });
    await c.listObsBuckets();
    const list = sent.find((h) => h.authorization !== undefined);
    expect(list?.authorization).toMatch(/SignedHeaders=[^,]*\bx-security-token\b/);
    expect(list?.['x-security-token']).toBeTruthy();
    expect(listCalls(emu)[0]?.status).toBe(200);
  });

  it('are renewed 5 minutes before they expire, once for many concurrent calls', async () => {
    // Credentials that live 1.5 s longer than the renewal margin: fresh at first, due soon after.
    const short = await startEmulator({ tempCredentialTtlMs: 5 * 60 * 1000 + 1500 });
    try {
      const c = DbssClient.fromEnv(env(short.url), { proxy: false });
      await Promise.all(Array.from({ length: 8 }, () => c.listObsBuckets()));
      expect(metadataCalls(short)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1600));
      const results = await Promise.all(Array.from({ length: 20 }, () => c.listObsBuckets()));
      expect(results.every((r) => r.length === DEMO_BUCKETS.length)).toBe(true);
      expect(metadataCalls(short)).toHaveLength(2);
      // The renewed key is a different temporary AK, and every call after renewal used it.
      const aks = new Set(listCalls(short).map((r) => r.auth.ak));
      expect(aks.size).toBe(2);
      expect(listCalls(short).every((r) => r.status === 200)).toBe(true);
    } finally {
      await short.close();
    }
  });

  it('a metadata answer without credentials is a DbssResponseError without the body', async () => {
    emu.fault({ status: 200, body: { credential: { access: 'AK', secret: 'leaky-secret' } } }, { route: 'metadata' });
    const err = await DbssClient.fromEnv(env(emu.url), { proxy: false })
      .listObsBuckets()
      .catch((e) => e);
    expect(err).toBeInstanceOf(DbssResponseError);
    expect(`${err.message}${JSON.stringify(err)}${err.rawBody}`).not.toContain('leaky-secret');
    expect(listCalls(emu)).toHaveLength(0);
  });

  it('a revoked key (401) is fetched again once', async () => {
    const c = DbssClient.fromEnv(env(emu.url), { proxy: false });
    await c.listObsBuckets();
    emu.fault({ status: 401 }, { times: 1 });
    expect(await c.listObsBuckets()).toHaveLength(DEMO_BUCKETS.length);
    expect(metadataCalls(emu)).toHaveLength(2);
    emu.fault({ status: 401 });
    await expect(c.listObsBuckets()).rejects.toBeInstanceOf(DbssAuthenticationError);
  });
});
