// The picker's state: one reducer (testable without a terminal) and the hook that runs its loads.
import type { ObsBucket } from '@dbss-obs/core';
import { useEffect, useReducer } from 'react';
import { filterItems, type Item, rankMatches, toItems } from './filter.js';

/** A failure as the picker shows it: fields copied from core's error, never parsed from a message. */
export interface PickerError {
  code: string;
  message: string;
  status?: number;
  requestId?: string;
  /** Retrying cannot help (bad credentials, bad configuration): the picker leaves at once. */
  final?: boolean;
}

export type PickOutcome =
  | { kind: 'chosen'; buckets: ObsBucket[] }
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: PickerError };

export interface PickerOptions {
  /** Tab / Shift-Tab / Ctrl-A select several rows; Enter returns them all. @default false */
  multi?: boolean;
  /** Rank matches (exact > prefix > word start > other); false keeps location-then-name order. @default true */
  sort?: boolean;
}

export interface PickerState {
  status: 'loading' | 'ready' | 'error';
  /** A fetch is wanted or under way (the first load, a retry, or Ctrl-R over the rows on screen). */
  fetching: boolean;
  /** Counts fetches, so the hook starts a new one for every request. */
  fetchId: number;
  multi: boolean;
  sort: boolean;
  items: readonly Item[];
  query: string;
  /** Indices into `items` of the rows that match `query`, ascending (location-then-name order). */
  pool: Uint32Array;
  /** `pool` in display order (ranked, unless `sort` is false). */
  matches: Uint32Array;
  /** Position of the cursor within `matches`. */
  cursor: number;
  /** First visible position within `matches`. */
  offset: number;
  /** Number of list rows that fit on screen. */
  height: number;
  /** `selected[i]` is 1 when `items[i]` is selected (--multi). */
  selected: Uint8Array;
  selectedCount: number;
  error?: PickerError;
  /** Matches of the shorter queries typed on the way to this one, so Backspace costs no search (nor memory). */
  history: readonly { query: string; pool: Uint32Array; matches: Uint32Array }[];
  /** Set once the user (or a final error) has decided: the one source of "the picker is done". */
  done?: PickOutcome;
}

export type PickerAction =
  | { type: 'loaded'; buckets: readonly ObsBucket[] }
  | { type: 'failed'; error: PickerError }
  | { type: 'reload' }
  | { type: 'type'; text: string }
  | { type: 'backspace' }
  | { type: 'clear' }
  | { type: 'move'; by: number }
  | { type: 'page'; by: 1 | -1 }
  | { type: 'home' }
  | { type: 'end' }
  | { type: 'resize'; height: number }
  | { type: 'toggle'; by: 1 | -1 }
  | { type: 'toggleAll' }
  | { type: 'submit' }
  | { type: 'cancel' };

const EMPTY = new Uint32Array(0);

export function initialState(
  opts: { query?: string; height: number; buckets?: readonly ObsBucket[] } & PickerOptions,
): PickerState {
  const base: PickerState = {
    status: 'loading',
    fetching: !opts.buckets,
    fetchId: opts.buckets ? 0 : 1,
    multi: !!opts.multi,
    sort: opts.sort ?? true,
    items: [],
    query: opts.query ?? '',
    pool: EMPTY,
    matches: EMPTY,
    cursor: 0,
    offset: 0,
    height: Math.max(1, opts.height),
    selected: new Uint8Array(0),
    selectedCount: 0,
    history: [],
  };
  return opts.buckets ? pickerReducer(base, { type: 'loaded', buckets: opts.buckets }) : base;
}

/** Keeps the cursor inside the list and the window around the cursor. */
function place(s: PickerState, cursor: number): PickerState {
  const last = s.matches.length - 1;
  const c = last < 0 ? 0 : Math.min(Math.max(0, cursor), last);
  let offset = Math.min(s.offset, Math.max(0, s.matches.length - s.height));
  if (c < offset) offset = c;
  if (c >= offset + s.height) offset = c - s.height + 1;
  return { ...s, cursor: c, offset: Math.max(0, offset) };
}

const HISTORY = 64;

function order(s: PickerState, query: string, pool: Uint32Array): Uint32Array {
  return s.sort ? rankMatches(s.items, query, pool) : pool;
}

function requery(s: PickerState, query: string): PickerState {
  let history = s.history;
  let pool: Uint32Array;
  let matches: Uint32Array;
  if (query.startsWith(s.query)) {
    // Typing on: search only the current matches, and remember them for Backspace.
    pool = filterItems(s.items, query, { query: s.query, indices: s.pool });
    matches = order(s, query, pool);
    history = [...history, { query: s.query, pool: s.pool, matches: s.matches }].slice(-HISTORY);
  } else {
    const k = history.findLastIndex((h) => h.query === query);
    if (k !== -1) {
      ({ pool, matches } = history[k] as (typeof history)[number]);
      history = history.slice(0, k);
    } else {
      pool = filterItems(s.items, query);
      matches = order(s, query, pool);
      history = [];
    }
  }
  // A new query starts at the top, as in fzf.
  return place({ ...s, query, pool, matches, history, offset: 0 }, 0);
}

const identity = (b: ObsBucket) => `${b.bucketName}\n${b.location}`;

/** New rows: the query is applied again; the selection and the cursor's bucket follow their buckets. */
function load(s: PickerState, buckets: readonly ObsBucket[]): PickerState {
  const items = toItems(buckets);
  const pool = filterItems(items, s.query);
  const next: PickerState = {
    ...s,
    status: 'ready',
    fetching: false,
    error: undefined,
    items,
    pool,
    matches: order({ ...s, items }, s.query, pool),
    history: [],
    selected: new Uint8Array(items.length),
    selectedCount: 0,
  };
  const hadCursor = selected(s);
  if (s.selectedCount === 0 && !hadCursor) return place({ ...next, offset: 0 }, 0);
  const position = new Map<string, number>();
  for (let i = 0; i < items.length; i++) position.set(identity(items[i] as Item), i);
  let count = 0;
  for (let i = 0; i < s.items.length; i++) {
    if (!s.selected[i]) continue;
    const j = position.get(identity(s.items[i] as Item));
    if (j !== undefined) {
      next.selected[j] = 1;
      count++;
    }
  }
  next.selectedCount = count;
  const at = hadCursor === undefined ? undefined : position.get(identity(hadCursor));
  const cursor = at === undefined ? -1 : next.matches.indexOf(at);
  // The cursor stays on its bucket (and keeps its place on screen) when the bucket is still listed.
  return cursor === -1
    ? place({ ...next, offset: 0 }, 0)
    : place({ ...next, offset: s.offset + cursor - s.cursor }, cursor);
}

/** Toggles the cursor row's selection (a copy: states are never mutated). */
function toggle(s: PickerState): PickerState {
  const i = s.matches[s.cursor];
  if (i === undefined) return s;
  const sel = s.selected.slice();
  sel[i] = sel[i] ? 0 : 1;
  return { ...s, selected: sel, selectedCount: s.selectedCount + (sel[i] ? 1 : -1) };
}

/** Selects every row matching the query, or deselects them when all already are; hidden rows are never touched. */
function toggleAll(s: PickerState): PickerState {
  let all = true;
  for (let j = 0; j < s.pool.length && all; j++) if (!s.selected[s.pool[j] as number]) all = false;
  const sel = s.selected.slice();
  let count = s.selectedCount;
  const want = all ? 0 : 1;
  for (let j = 0; j < s.pool.length; j++) {
    const i = s.pool[j] as number;
    if (sel[i] !== want) {
      sel[i] = want;
      count += want ? 1 : -1;
    }
  }
  return { ...s, selected: sel, selectedCount: count };
}

const bucketOf = (item: Item): ObsBucket => ({ bucketName: item.bucketName, location: item.location });

/** What Enter returns: the selected rows in display order (then any hidden by the query), else the cursor row. */
export function chosen(s: PickerState): ObsBucket[] {
  if (s.status !== 'ready') return [];
  if (s.multi && s.selectedCount > 0) {
    const out: ObsBucket[] = [];
    const seen = new Uint8Array(s.items.length);
    for (let j = 0; j < s.matches.length; j++) {
      const i = s.matches[j] as number;
      seen[i] = 1;
      if (s.selected[i]) out.push(bucketOf(s.items[i] as Item));
    }
    for (let i = 0; i < s.items.length && out.length < s.selectedCount; i++)
      if (s.selected[i] && !seen[i]) out.push(bucketOf(s.items[i] as Item));
    return out;
  }
  const item = selected(s);
  return item ? [bucketOf(item)] : [];
}

// Every key goes through here, so keys that arrive in one chunk (Down then Enter) act in order.
export function pickerReducer(s: PickerState, a: PickerAction): PickerState {
  if (s.done) return s;
  switch (a.type) {
    case 'loaded':
      return load(s, a.buckets);
    case 'failed':
      // Bad credentials will not get better by retrying: leave with the error at once.
      if (a.error.final) return { ...s, fetching: false, done: { kind: 'failed', error: a.error } };
      return { ...s, status: 'error', fetching: false, error: a.error };
    case 'reload':
      return { ...s, fetching: true, fetchId: s.fetchId + 1 };
    case 'type':
      // In the error state the only key that means something is r (retry).
      if (s.status === 'error')
        return a.text === 'r'
          ? { ...s, status: 'loading', error: undefined, fetching: true, fetchId: s.fetchId + 1 }
          : s;
      return s.status === 'ready' && a.text ? requery(s, s.query + a.text) : { ...s, query: s.query + a.text };
    case 'backspace': {
      if (!s.query) return s;
      const query = Array.from(s.query).slice(0, -1).join('');
      return s.status === 'ready' ? requery(s, query) : { ...s, query };
    }
    case 'clear':
      return s.status === 'ready' ? requery(s, '') : { ...s, query: '' };
    case 'move':
      return place(s, s.cursor + a.by);
    case 'page':
      return place({ ...s, offset: s.offset + a.by * s.height }, s.cursor + a.by * s.height);
    case 'home':
      return place(s, 0);
    case 'end':
      return place(s, s.matches.length - 1);
    case 'resize':
      return place({ ...s, height: Math.max(1, a.height) }, s.cursor);
    case 'toggle':
      if (!s.multi || s.status !== 'ready') return s;
      return place(toggle(s), s.cursor + a.by);
    case 'toggleAll':
      return s.multi && s.status === 'ready' ? toggleAll(s) : s;
    case 'submit': {
      const buckets = chosen(s);
      return buckets.length ? { ...s, done: { kind: 'chosen', buckets } } : s;
    }
    case 'cancel':
      return {
        ...s,
        done: s.status === 'error' && s.error ? { kind: 'failed', error: s.error } : { kind: 'cancelled' },
      };
  }
}

/** The bucket under the cursor, if any. */
export function selected(s: PickerState): Item | undefined {
  const i = s.matches[s.cursor];
  return i === undefined ? undefined : s.items[i];
}

/**
 * The picker's state as a hook: the reducer, plus the effect that runs `load` whenever the state asks
 * for a fetch (start, retry, Ctrl-R) and reports its outcome back as an action.
 */
export function usePickerState(
  opts: {
    load: () => Promise<readonly ObsBucket[]>;
    /** Buckets to start with instead of a first fetch; called once. */
    initialBuckets?: () => readonly ObsBucket[] | undefined;
    query?: string;
    height: number;
    describe: (err: unknown) => PickerError;
  } & PickerOptions,
) {
  const [state, dispatch] = useReducer(pickerReducer, opts, (o) =>
    initialState({ ...o, buckets: o.initialBuckets?.() }),
  );
  const { load, describe } = opts;
  useEffect(() => {
    if (!state.fetching || state.fetchId === 0) return;
    let live = true;
    load().then(
      (buckets) => live && dispatch({ type: 'loaded', buckets }),
      (err: unknown) => live && dispatch({ type: 'failed', error: describe(err) }),
    );
    return () => {
      live = false;
    };
  }, [state.fetching, state.fetchId, load, describe]);
  return { state, dispatch };
}
