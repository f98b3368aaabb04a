// The picker's state without a terminal.
import { generateBuckets } from '@dbss-obs/emulator';
import { describe, expect, it } from 'vitest';
import { filterItems, highlightRanges, toItems } from '../src/filter.js';
import { initialState, type PickerAction, type PickerState, pickerReducer, selected } from '../src/state.js';

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
    let s = run(ready(), { type: 'move', by: 2 }, { type: 'type', text: 'B' }, { type: 'type', text: 'ACK' });
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
    expect(run(s, { type: 'type', text: 'x' })).toBe(s);
    expect(run(s, { type: 'type', text: 'r' }).status).toBe('loading');
    s = run(s, { type: 'cancel' });
    expect(s.done).toEqual({ kind: 'failed', error: { code: 'TIMEOUT', message: 'slow' } });
  });

  it('submit after moving picks the row under the cursor, and nothing changes after done', () => {
    const s = run(ready(), { type: 'move', by: 1 }, { type: 'submit' }, { type: 'move', by: 1 }, { type: 'submit' });
    expect(s.done).toEqual({ kind: 'chosen', bucket: { bucketName: 'sh-backup', location: 'cn-east-3' } });
  });

  it('resizing keeps the cursor visible', () => {
    let s = run(ready(5), { type: 'end' });
    s = run(s, { type: 'resize', height: 2 });
    expect(s.offset).toBe(3);
    expect(s.cursor).toBe(4);
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
