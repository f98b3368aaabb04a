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
const TAB = '\t';
const SHIFT_TAB = '\u001B[Z';
const CTRL_A = '\u0001';
const CTRL_R = '\u0012';

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
    expect(results).toEqual([{ kind: 'chosen', buckets: [{ bucketName: 'sh-dbss-backup', location: 'cn-east-3' }] }]);
  });

  it('keys sent in one chunk act in order', async () => {
    const { view, results } = await mount();
    await tick();
    await act(async () => {
      view.stdin.write(`${DOWN}${DOWN}${UP}${ENTER}`);
    });
    expect(results[0]).toEqual({ kind: 'chosen', buckets: [{ bucketName: 'sh-dbss-backup', location: 'cn-east-3' }] });
  });

  it('typing filters and Enter picks the match; --query pre-fills', async () => {
    const { view, press, results } = await mount({ query: 'dbss' });
    await tick();
    expect(view.lastFrame()).toContain('2/3');
    await press('-a');
    expect(view.lastFrame()).toContain('1/3');
    expect(view.lastFrame()).toContain('dbss-audit-backup-prod');
    await press(ENTER);
    expect(results[0]).toMatchObject({ kind: 'chosen', buckets: [{ bucketName: 'dbss-audit-backup-prod' }] });
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
    expect(results[0]).toMatchObject({ kind: 'failed', error: { code: 'DBSS.10020100', status: 401, final: true } });
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

  it('--multi: a counter in the prompt follows Tab, Shift-Tab and Ctrl-A; marked rows show a check', async () => {
    const { view, press, results } = await mount({ multi: true });
    await tick();
    expect(view.lastFrame()).toMatch(/0 selected · 3\/3/);
    await press(TAB + TAB); // one chunk, as a terminal sends keys typed fast
    expect(view.lastFrame()).toMatch(/2 selected · 3\/3/);
    expect(view.lastFrame()).toMatch(/✔ hk-audit-logs/);
    expect(view.lastFrame()).toMatch(/▌ {3}dbss-audit-backup-prod/);
    await press(SHIFT_TAB);
    expect(view.lastFrame()).toMatch(/3 selected/);
    // Both rows matching "dbss" are selected, so Ctrl-A deselects them; hk-audit-logs (hidden) keeps its mark.
    await press('dbss', CTRL_A);
    expect(view.lastFrame()).toMatch(/1 selected · 2\/3/);
    await press(CTRL_A);
    expect(view.lastFrame()).toMatch(/3 selected · 2\/3/);
    await press(ENTER);
    expect(results[0]).toEqual({
      kind: 'chosen',
      buckets: [
        { bucketName: 'dbss-audit-backup-prod', location: 'cn-north-4' },
        { bucketName: 'sh-dbss-backup', location: 'cn-east-3' },
        { bucketName: 'hk-audit-logs', location: 'ap-southeast-1' },
      ],
    });
  });

  it('--height: the whole frame (prompt, header, list, footer) takes exactly that many rows', async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({
      bucketName: `b-${String(i).padStart(2, '0')}`,
      location: 'cn-north-4',
    }));
    const { view, press } = await mount({ load: async () => many, height: { rows: 8 } });
    await tick();
    const lines = (view.lastFrame() ?? '').split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^❯ .*50\/50$/);
    expect(lines.slice(2, 7).map((l) => l.trim().split(/\s+/).at(-2))).toEqual([
      'b-00',
      'b-01',
      'b-02',
      'b-03',
      'b-04',
    ]);
    expect(lines[7]).toContain('Enter select');
    await press('\u001B[F'); // End: the window scrolls inside the same 8 rows
    const end = (view.lastFrame() ?? '').split('\n');
    expect(end).toHaveLength(8);
    expect(end[6]).toMatch(/▌ b-49/);
  });

  it('Ctrl-R shows the new rows, keeps the query and says it is reloading meanwhile', async () => {
    let round = 0;
    let release!: () => void;
    const load = async () => {
      round++;
      if (round === 1) return BUCKETS;
      await new Promise<void>((r) => (release = r));
      return [...BUCKETS, { bucketName: 'dbss-new-bucket', location: 'cn-north-4' }];
    };
    const { view, press } = await mount({ load });
    await tick();
    await press('dbss', CTRL_R);
    expect(view.lastFrame()).toContain('reloading');
    expect(view.lastFrame()).toContain('2/3');
    await act(async () => release());
    await tick();
    expect(view.lastFrame()).toContain('3/4');
    expect(view.lastFrame()).toContain('dbss-new-bucket');
    expect(view.lastFrame()).toMatch(/❯ dbss/);
    expect(view.lastFrame()).not.toContain('reloading');
  });
});
