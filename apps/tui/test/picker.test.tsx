// Component tests with ink-testing-library, every render, key and unmount inside act().

import { render } from 'ink-testing-library';
import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type PickResult } from '../src/App.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const BUCKETS = [
  { bucketName: 'dbss-audit-backup-prod', location: 'cn-north-4' },
  { bucketName: 'hk-audit-logs', location: 'ap-southeast-1' },
  { bucketName: 'sh-dbss-backup', location: 'cn-east-3' },
];
const DOWN = '\u001B[B';
const UP = '\u001B[A';
const ENTER = '\r';
const ESC = '\u001B';

let unmounts: (() => void)[] = [];
afterEach(async () => {
  for (const u of unmounts) await act(async () => u());
  unmounts = [];
});

async function mount(props: Partial<Parameters<typeof App>[0]> = {}) {
  const results: PickResult[] = [];
  let view!: ReturnType<typeof render>;
  await act(async () => {
    view = render(<App load={async () => BUCKETS} noColor onExit={(r) => results.push(r)} {...props} />);
  });
  unmounts.push(view.unmount);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      await act(async () => {
        view.stdin.write(k);
      });
    }
  };
  return { view, press, results };
}

const tick = () => act(async () => new Promise((r) => setTimeout(r, 20)));

describe('<App>', () => {
  it('shows a spinner, then sorted rows with a count', async () => {
    let resolve!: (b: typeof BUCKETS) => void;
    const { view } = await mount({ load: () => new Promise((r) => (resolve = r)) });
    expect(view.lastFrame()).toContain('Loading OBS buckets');
    await act(async () => resolve(BUCKETS));
    const frame = view.lastFrame() ?? '';
    expect(frame).toContain('3/3');
    expect(frame.indexOf('hk-audit-logs')).toBeLessThan(frame.indexOf('sh-dbss-backup'));
    expect(frame.indexOf('sh-dbss-backup')).toBeLessThan(frame.indexOf('dbss-audit-backup-prod'));
    expect(frame).toMatch(/▌ hk-audit-logs/);
  });

  it('Down then Enter chooses the second row', async () => {
    const { press, results } = await mount();
    await tick();
    await press(DOWN, ENTER);
    expect(results).toEqual([{ kind: 'chosen', bucket: { bucketName: 'sh-dbss-backup', location: 'cn-east-3' } }]);
  });

  it('keys sent in one chunk act in order', async () => {
    const { view, results } = await mount();
    await tick();
    await act(async () => {
      view.stdin.write(`${DOWN}${DOWN}${UP}${ENTER}`);
    });
    expect(results[0]).toEqual({ kind: 'chosen', bucket: { bucketName: 'sh-dbss-backup', location: 'cn-east-3' } });
  });

  it('typing filters and Enter picks the match; --query pre-fills', async () => {
    const { view, press, results } = await mount({ query: 'dbss' });
    await tick();
    expect(view.lastFrame()).toContain('2/3');
    await press('-a');
    expect(view.lastFrame()).toContain('1/3');
    expect(view.lastFrame()).toContain('dbss-audit-backup-prod');
    await press(ENTER);
    expect(results[0]).toMatchObject({ kind: 'chosen', bucket: { bucketName: 'dbss-audit-backup-prod' } });
  });

  it('shows a no-match state, and Ctrl-U clears the filter', async () => {
    const { view, press } = await mount();
    await tick();
    await press('zzz');
    expect(view.lastFrame()).toContain('No bucket matches "zzz"');
    await press('\u0015');
    expect(view.lastFrame()).toContain('3/3');
  });

  it('shows the empty state', async () => {
    const { view } = await mount({ load: async () => [] });
    await tick();
    expect(view.lastFrame()).toContain('No buckets in this project');
  });

  it('Esc cancels', async () => {
    const { press, results } = await mount();
    await tick();
    await press(ESC);
    await tick();
    expect(results).toEqual([{ kind: 'cancelled' }]);
  });

  it('shows an upstream error with code, message and request id, and r retries', async () => {
    let calls = 0;
    const { DbssServerError } = await import('@dbss-obs/core');
    const load = async () => {
      calls++;
      if (calls === 1)
        throw new DbssServerError({
          status: 500,
          errorCode: 'DBSS.11000000',
          errorMsg: 'Internal error.',
          requestId: 'req-123',
        });
      return BUCKETS;
    };
    const { view, press } = await mount({ load });
    await tick();
    const frame = view.lastFrame() ?? '';
    expect(frame).toContain('DBSS.11000000');
    expect(frame).toContain('Internal error.');
    expect(frame).toContain('req-123');
    await press('r');
    await tick();
    expect(view.lastFrame()).toContain('3/3');
    expect(calls).toBe(2);
  });

  it('leaves at once on an authentication error (retrying cannot help)', async () => {
    const { DbssAuthenticationError } = await import('@dbss-obs/core');
    const { results } = await mount({
      load: async () => {
        throw new DbssAuthenticationError({
          status: 401,
          errorCode: 'DBSS.10020100',
          errorMsg: 'Token authentication failed.',
        });
      },
    });
    await tick();
    expect(results[0]).toMatchObject({ kind: 'failed', error: { code: 'DBSS.10020100', exitCode: 3 } });
  });

  it('draws only the visible window of 100,000 rows', async () => {
    const many = Array.from({ length: 100_000 }, (_, i) => ({
      bucketName: `b-${String(i).padStart(6, '0')}`,
      location: 'cn-north-4',
    }));
    const { view, press } = await mount({ load: async () => many });
    await tick();
    const lines = (view.lastFrame() ?? '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(view.lastFrame()).toContain('100000/100000');
    await press('\u001B[F'); // End
    expect(view.lastFrame()).toContain('b-099999');
  });
});
