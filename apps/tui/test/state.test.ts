// The picker's state without a terminal.
import { generateBuckets } from '@dbss-obs/emulator';
import { describe, expect, it } from 'vitest';
import { filterItems, highlightRanges, matchingBuckets, RANK, rankMatches, rankOf, toItems } from '../src/filter.js';
import { chosen, initialState, type PickerAction, type PickerState, pickerReducer, selected } from '../src/state.js';

const BUCKETS = [
  { bucketName: 'zeta-logs', location: 'cn-north-4' },
  { bucketName: 'alpha-audit', location: 'cn-north-4' },
  { bucketName: 'hk-backup', location: 'ap-southeast-1' },
  { bucketName: 'sh-backup', location: 'cn-east-3' },
  { bucketName: 'Legacy-Archive', location: 'cn-north-7' },
];

const run = (s: PickerState, ...actions: PickerAction[]) => actions.reduce(pickerReducer, s);
const ready = (height = 3, query = '') => initialState({ height, query, buckets: BUCKETS });
const names = (s: PickerState) => Array.from(s.matches, (i) => s.items[i]?.bucketName);

describe('pickerReducer', () => {
  it('sorts by location, then name, and starts on the first row', () => {
    const s = ready();
    expect(names(s)).toEqual(['hk-backup', 'sh-backup', 'alpha-audit', 'zeta-logs', 'Legacy-Archive']);
    expect(selected(s)?.bucketName).toBe('hk-backup');
    expect(s.status).toBe('ready');
  });

  it('moves within bounds and keeps the cursor inside the window', () => {
    let s = run(ready(), { type: 'move', by: -1 });
    expect(s.cursor).toBe(0);
    s = run(s, { type: 'move', by: 1 }, { type: 'move', by: 1 }, { type: 'move', by: 1 });
    expect(s.cursor).toBe(3);
    expect(s.offset).toBe(1);
    s = run(s, { type: 'end' });
    expect(s.cursor).toBe(4);
    expect(s.offset).toBe(2);
    s = run(s, { type: 'move', by: 10 });
    expect(s.cursor).toBe(4);
    s = run(s, { type: 'home' });
    expect([s.cursor, s.offset]).toEqual([0, 0]);
  });

  it('pages by the window height', () => {
    let s = run(ready(2), { type: 'page', by: 1 });
    expect([s.cursor, s.offset]).toEqual([2, 2]);
    s = run(s, { type: 'page', by: 1 }, { type: 'page', by: 1 });
    expect(s.cursor).toBe(4);
    s = run(s, { type: 'page', by: -1 });
    expect(s.cursor).toBe(2);
  });

  it('filters case-insensitively on name and location, resets the cursor, and widens on backspace', () => {
    let s = run(
      initialState({ height: 3, buckets: BUCKETS, sort: false }),
      { type: 'move', by: 2 },
      { type: 'type', text: 'B' },
      { type: 'type', text: 'ACK' },
    );
    expect(names(s)).toEqual(['hk-backup', 'sh-backup']);
    expect(s.cursor).toBe(0);
    s = run(s, { type: 'type', text: ' cn-east' });
    expect(names(s)).toEqual(['sh-backup']);
    s = run(s, ...Array.from({ length: 8 }, () => ({ type: 'backspace' }) as const));
    expect(s.query).toBe('BACK');
    expect(names(s)).toHaveLength(2);
    s = run(s, { type: 'clear' });
    expect(names(s)).toHaveLength(5);
    s = run(s, { type: 'type', text: 'north-7' });
    expect(names(s)).toEqual(['Legacy-Archive']);
  });

  it('has a no-match state and an empty state', () => {
    const none = run(ready(), { type: 'type', text: 'nothing-like-this' });
    expect(none.matches.length).toBe(0);
    expect(selected(none)).toBeUndefined();
    expect(run(none, { type: 'submit' }).done).toBeUndefined();
    const empty = initialState({ height: 5, buckets: [] });
    expect(empty.items).toHaveLength(0);
    expect(run(empty, { type: 'submit' }).done).toBeUndefined();
  });

  it('keeps a query typed while loading, and applies it when the buckets arrive', () => {
    let s = initialState({ height: 5 });
    s = run(s, { type: 'type', text: 'hk' });
    expect(s.status).toBe('loading');
    s = run(s, { type: 'loaded', buckets: BUCKETS });
    expect(names(s)).toEqual(['hk-backup']);
  });

  it('error state: r retries, other keys do nothing, cancel reports the error', () => {
    let s = run(initialState({ height: 5 }), { type: 'failed', error: { code: 'TIMEOUT', message: 'slow' } });
    expect(s.status).toBe('error');
    expect(s.done).toBeUndefined();
    expect(run(s, { type: 'type', text: 'x' })).toBe(s);
    const retry = run(s, { type: 'type', text: 'r' });
    expect([retry.status, retry.fetching, retry.fetchId]).toEqual(['loading', true, s.fetchId + 1]);
    s = run(s, { type: 'cancel' });
    expect(s.done).toEqual({ kind: 'failed', error: { code: 'TIMEOUT', message: 'slow' } });
  });

  it('submit after moving picks the row under the cursor, and nothing changes after done', () => {
    const s = run(ready(), { type: 'move', by: 1 }, { type: 'submit' }, { type: 'move', by: 1 }, { type: 'submit' });
    expect(s.done).toEqual({ kind: 'chosen', buckets: [{ bucketName: 'sh-backup', location: 'cn-east-3' }] });
  });

  it('a final error (bad credentials) is done at once: the one source of done', () => {
    const error = { code: 'DBSS.10020100', message: 'bad token', status: 401, final: true };
    const s = run(initialState({ height: 5 }), { type: 'failed', error });
    expect(s.done).toEqual({ kind: 'failed', error });
  });

  it('resizing keeps the cursor visible', () => {
    let s = run(ready(5), { type: 'end' });
    s = run(s, { type: 'resize', height: 2 });
    expect(s.offset).toBe(3);
    expect(s.cursor).toBe(4);
  });
});

// --multi: Tab / Shift-Tab / Ctrl-A and what Enter returns.
describe('multi-select', () => {
  const multi = (query = '') => initialState({ height: 10, query, buckets: BUCKETS, multi: true, sort: false });
  const chosenNames = (s: PickerState) => chosen(s).map((b) => b.bucketName);

  it('Tab toggles the cursor row and moves down; Shift-Tab toggles and moves up; the count follows', () => {
    let s = run(multi(), { type: 'toggle', by: 1 }, { type: 'toggle', by: 1 });
    expect(s.selectedCount).toBe(2);
    expect(s.cursor).toBe(2);
    s = run(s, { type: 'move', by: -1 }, { type: 'toggle', by: -1 });
    expect(s.selectedCount).toBe(1);
    expect(s.cursor).toBe(0);
    expect(chosenNames(s)).toEqual(['hk-backup']);
  });

  it('without --multi, Tab and Ctrl-A do nothing', () => {
    const s = ready(5);
    expect(run(s, { type: 'toggle', by: 1 })).toBe(s);
    expect(run(s, { type: 'toggleAll' })).toBe(s);
  });

  it('Enter returns every selected bucket in display order, else the cursor row', () => {
    let s = run(multi(), { type: 'end' }, { type: 'toggle', by: -1 }, { type: 'home' }, { type: 'toggle', by: 1 });
    expect(chosenNames(s)).toEqual(['hk-backup', 'Legacy-Archive']);
    s = run(multi(), { type: 'move', by: 3 }, { type: 'submit' });
    expect(s.done).toEqual({ kind: 'chosen', buckets: [{ bucketName: 'zeta-logs', location: 'cn-north-4' }] });
  });

  it('selections survive query changes; rows hidden by the query come after the shown ones', () => {
    let s = run(multi(), { type: 'toggle', by: 1 }, { type: 'type', text: 'north' });
    expect(names(s)).toEqual(['alpha-audit', 'zeta-logs', 'Legacy-Archive']);
    s = run(s, { type: 'move', by: 1 }, { type: 'toggle', by: 1 }, { type: 'clear' });
    expect(s.selectedCount).toBe(2);
    s = run(s, { type: 'type', text: 'zeta' });
    expect(chosenNames(s)).toEqual(['zeta-logs', 'hk-backup']);
  });

  it('Ctrl-A selects every matching row and never a hidden one; again, it deselects them', () => {
    let s = run(multi(), { type: 'type', text: 'backup' }, { type: 'toggleAll' });
    expect(s.selectedCount).toBe(2);
    s = run(s, { type: 'clear' });
    expect(chosenNames(s)).toEqual(['hk-backup', 'sh-backup']);
    // One of the matches is already selected: Ctrl-A completes the set instead of clearing it.
    s = run(s, { type: 'type', text: 'cn-' }, { type: 'toggleAll' });
    expect(s.selectedCount).toBe(5); // the four cn- rows, and hk-backup from before
    s = run(s, { type: 'toggleAll' });
    expect(chosenNames(s)).toEqual(['hk-backup']);
    expect(s.selectedCount).toBe(1);
  });

  it('Ctrl-A with no match selects nothing', () => {
    const s = run(multi(), { type: 'type', text: 'zzz' }, { type: 'toggleAll' }, { type: 'submit' });
    expect(s.selectedCount).toBe(0);
    expect(s.done).toBeUndefined();
  });
});

describe('ranking', () => {
  const RANKED = [
    { bucketName: 'backup-logs', location: 'cn-north-4' },
    { bucketName: 'archive.logs', location: 'ap-southeast-1' },
    { bucketName: 'xlogs-archive', location: 'af-south-1' },
    { bucketName: 'logs', location: 'cn-east-3' },
    { bucketName: 'audit_logs', location: 'af-north-1' },
    { bucketName: 'logs-2026', location: 'la-south-2' },
    { bucketName: 'weblogs', location: 'ap-southeast-1' },
    { bucketName: 'a/logs', location: 'cn-north-9' },
    { bucketName: 'daily', location: 'logs-region' },
  ];
  const rankedNames = (query: string, sort = true) => names(initialState({ height: 20, query, buckets: RANKED, sort }));

  it('ranks exact > prefix > word start (after - _ . /) > other, ties in location-then-name order', () => {
    expect(rankedNames('logs')).toEqual([
      'logs', // exact
      'logs-2026', // prefix
      'audit_logs', // word starts: af-north-1, ap-southeast-1, cn-north-4, cn-north-9
      'archive.logs',
      'backup-logs',
      'a/logs',
      'xlogs-archive', // other: af-south-1, ap-southeast-1, logs-region (matched by location only)
      'weblogs',
      'daily',
    ]);
  });

  it('--no-sort keeps location-then-name order with a query', () => {
    expect(rankedNames('logs', false)).toEqual([
      'audit_logs',
      'xlogs-archive',
      'archive.logs',
      'weblogs',
      'logs',
      'backup-logs',
      'a/logs',
      'logs-2026',
      'daily',
    ]);
  });

  it('with several terms a row takes the best rank any term earns; no query keeps the plain order', () => {
    const items = toItems(RANKED);
    const byName = (n: string) => items.find((i) => i.bucketName === n) as (typeof items)[number];
    expect(rankOf(byName('weblogs'), 'cn- web')).toBe(RANK.prefix);
    expect(rankOf(byName('daily'), 'logs')).toBe(RANK.other);
    expect(rankOf(byName('logs'), 'LOGS')).toBe(RANK.exact);
    const all = filterItems(items, '');
    expect(rankMatches(items, '', all)).toBe(all);
  });

  it('ranking survives typing on and Backspace (narrowed matches are ranked again)', () => {
    let s = initialState({ height: 20, buckets: RANKED });
    s = run(s, { type: 'type', text: 'l' }, { type: 'type', text: 'o' }, { type: 'type', text: 'g' });
    s = run(s, { type: 'type', text: 's' }, { type: 'type', text: '-' }, { type: 'backspace' });
    expect(names(s)).toEqual(rankedNames('logs'));
    expect(selected(s)?.bucketName).toBe('logs');
  });

  it('--list --query ranks the same way', () => {
    expect(matchingBuckets(RANKED, 'logs').map((b) => b.bucketName)).toEqual(rankedNames('logs'));
    expect(matchingBuckets(RANKED, 'logs', false).map((b) => b.bucketName)).toEqual(rankedNames('logs', false));
  });
});

describe('reload (Ctrl-R)', () => {
  it('asks for a fetch and keeps the rows on screen meanwhile', () => {
    const s = run(ready(), { type: 'reload' });
    expect([s.status, s.fetching, s.fetchId]).toEqual(['ready', true, 1]);
    expect(names(s)).toHaveLength(5);
  });

  it('keeps the query, the selection and the cursor on its bucket; shows new buckets', () => {
    let s = initialState({ height: 10, buckets: BUCKETS, multi: true, sort: false });
    s = run(s, { type: 'type', text: 'cn' }, { type: 'toggle', by: 1 }, { type: 'move', by: 1 });
    expect(selected(s)?.bucketName).toBe('zeta-logs');
    const fresh = [
      ...BUCKETS,
      { bucketName: 'aaa-new', location: 'cn-east-3' },
      { bucketName: 'elsewhere', location: 'eu-west-0' },
    ];
    s = run(s, { type: 'reload' }, { type: 'loaded', buckets: fresh });
    expect(s.query).toBe('cn');
    expect(names(s)).toEqual(['aaa-new', 'sh-backup', 'alpha-audit', 'zeta-logs', 'Legacy-Archive']);
    expect(selected(s)?.bucketName).toBe('zeta-logs');
    expect(chosen(s).map((b) => b.bucketName)).toEqual(['sh-backup']);
    expect(s.selectedCount).toBe(1);
    expect(s.fetching).toBe(false);
  });

  it('drops a selection whose bucket is gone, and puts the cursor on top when its bucket is gone', () => {
    let s = initialState({ height: 10, buckets: BUCKETS, multi: true });
    s = run(s, { type: 'toggle', by: 1 }, { type: 'toggle', by: 1 }, { type: 'move', by: -1 });
    expect(selected(s)?.bucketName).toBe('sh-backup');
    expect(s.selectedCount).toBe(2);
    s = run(
      s,
      { type: 'reload' },
      { type: 'loaded', buckets: BUCKETS.filter((b) => !b.bucketName.endsWith('backup')) },
    );
    expect(s.selectedCount).toBe(0);
    expect(s.cursor).toBe(0);
    expect(chosen(s).map((b) => b.bucketName)).toEqual(['alpha-audit']);
  });

  it('a failed reload shows the error; r fetches again and the selection is still there', () => {
    let s = initialState({ height: 10, buckets: BUCKETS, multi: true });
    s = run(
      s,
      { type: 'toggle', by: 1 },
      { type: 'reload' },
      { type: 'failed', error: { code: 'TIMEOUT', message: 'slow' } },
    );
    expect(s.status).toBe('error');
    s = run(s, { type: 'type', text: 'r' }, { type: 'loaded', buckets: BUCKETS });
    expect(chosen(s).map((b) => b.bucketName)).toEqual(['hk-backup']);
  });
});

describe('filter', () => {
  it('narrows from the previous matches and agrees with a full scan over 100,000 buckets', () => {
    const items = toItems(generateBuckets(100_000).map((b) => ({ bucketName: b.bucket_name, location: b.location })));
    const p = filterItems(items, 'ris');
    const narrowed = filterItems(items, 'risk-e', { query: 'ris', indices: p });
    expect(Array.from(narrowed)).toEqual(Array.from(filterItems(items, 'risk-e')));
    expect(narrowed.length).toBeGreaterThan(1000);
  });

  it('highlights every matched range, merged', () => {
    expect(highlightRanges('hk-backup-hk', 'HK back')).toEqual([
      [0, 2],
      [3, 7],
      [10, 12],
    ]);
    expect(highlightRanges('abc', '')).toEqual([]);
  });
});
