// Hold/release: answers wait until released, so a test can gather a whole burst first; no delay covers it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PROJECT_ID, DEMO_TOKEN } from '../src/index.js';
import { emulatorForFile } from '../src/testing.js';

const emu = emulatorForFile({ beforeAll, afterAll });
afterEach(() => emu.reset());

const list = () =>
  fetch(`${emu.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`, { headers: { 'X-Auth-Token': DEMO_TOKEN } });

describe('hold and release', () => {
  it('keeps every answer back until release(), counting requests on arrival', async () => {
    emu.hold();
    let answered = 0;
    const calls = Array.from({ length: 20 }, () =>
      list().then((r) => {
        answered++;
        return r;
      }),
    );
    await emu.whenHeld(20);
    expect(emu.held).toBe(20);
    expect(emu.requestCount).toBe(20);
    expect(answered).toBe(0);
    expect(emu.release()).toBe(20);
    const answers = await Promise.all(calls);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(emu.held).toBe(0);
    // Not holding any more: the next call is answered at once.
    expect((await list()).status).toBe(200);
  });

  it('whenHeld rejects after its timeout naming how many arrived', async () => {
    emu.hold();
    const one = list();
    await emu.whenHeld(1);
    await expect(emu.whenHeld(2, 50)).rejects.toThrow('1 of 2 requests held after 50 ms');
    emu.release();
    expect((await one).status).toBe(200);
    await expect(emu.whenHeld(1, 10)).rejects.toThrow('not holding: call hold() first');
  });

  it('reset() releases what is held', async () => {
    emu.hold();
    const one = list();
    await emu.whenHeld(1);
    emu.reset();
    expect((await one).status).toBe(200);
  });

  it('works over the control API for an emulator in another process', async () => {
    expect((await fetch(`${emu.url}/__emulator/hold`, { method: 'POST' })).status).toBe(200);
    const calls = [list(), list(), list()];
    const held = await fetch(`${emu.url}/__emulator/held?count=3&timeoutMs=10000`);
    expect(await held.json()).toEqual({ held: 3 });
    expect(await (await fetch(`${emu.url}/__emulator/stats`)).json()).toEqual({ requestCount: 3, held: 3 });
    const short = await fetch(`${emu.url}/__emulator/held?count=4&timeoutMs=20`);
    expect(short.status).toBe(408);
    expect(((await short.json()) as { error: string }).error).toContain('3 of 4 requests held');
    const bad = await fetch(`${emu.url}/__emulator/held?count=zero`);
    expect(bad.status).toBe(400);
    const released = await fetch(`${emu.url}/__emulator/release`, { method: 'POST' });
    expect(await released.json()).toEqual({ released: 3 });
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
