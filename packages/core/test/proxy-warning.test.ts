// undici 6 printed "EnvHttpProxyAgent is experimental" the first time a process made its proxy agent. Its
// own file: the first proxy agent of this test process is the one made here.
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '@dbss-obs/emulator';
import { afterAll, expect, it } from 'vitest';
import { DbssClient } from '../src/index.js';

const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(w.message);
process.on('warning', onWarning);
afterAll(() => {
  process.off('warning', onWarning);
});

it('a client with a proxy prints no process warning', async () => {
  const c = DbssClient.fromEnv({
    DBSS_ENDPOINT: 'http://127.0.0.1:9',
    HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
    HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
    HTTP_PROXY: 'http://127.0.0.1:9',
    DBSS_MAX_RETRIES: '0',
    HOME: '/nonexistent-home-for-tests',
  });
  try {
    // Nothing listens on port 9: the call fails, after the proxy agent has been made and used.
    await expect(c.listObsBuckets()).rejects.toMatchObject({ code: 'CONNECTION_ERROR' });
    // Warnings are emitted on the next tick: let one pass.
    await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual([]);
  } finally {
    await c.close();
  }
});
