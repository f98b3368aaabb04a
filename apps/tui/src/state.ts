// The picker's state: a reducer, testable without a terminal.
import type { ObsBucket } from '@dbss-obs/core';
import { filterItems, type Item, toItems } from './filter.js';

export interface PickerError {
  code: string;
  message: string;
  requestId?: string;
}

export interface PickerState {
  status: 'loading' | 'ready' | 'error';
  items: readonly Item[];
  query: string;
  /** Indices into `items` of the rows that match `query`. */
  matches: Uint32Array;
  /** Position of the cursor within `matches`. */
  cursor: number;
  /** First visible position within `matches`. */
  offset: number;
  /** Number of list rows that fit on screen. */
  height: number;
  error?: PickerError;
  /** Matches of the shorter queries typed on the way to this one, so Backspace costs no search. */
  history: readonly { query: string; matches: Uint32Array }[];
  /** Set once the user has decided; the app then leaves. */
  done?: { kind: 'chosen'; bucket: ObsBucket } | { kind: 'cancelled' } | { kind: 'failed'; error: PickerError };
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
  | { type: 'submit' }
  | { type: 'cancel' };

export function initialState(opts: { query?: string; height: number; buckets?: readonly ObsBucket[] }): PickerState {
  const base: PickerState = {
    status: 'loading',
    items: [],
    query: opts.query ?? '',
    matches: new Uint32Array(0),
    cursor: 0,
    offset: 0,
    height: Math.max(1, opts.height),
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

function requery(s: PickerState, query: string): PickerState {
  let history = s.history;
  let matches: Uint32Array;
  if (query.startsWith(s.query)) {
    // Typing on: search only the current matches, and remember them for Backspace.
    matches = filterItems(s.items, query, { query: s.query, indices: s.matches });
    history = [...history, { query: s.query, matches: s.matches }].slice(-HISTORY);
  } else {
    const k = history.findLastIndex((h) => h.query === query);
    if (k !== -1) {
      matches = (history[k] as { matches: Uint32Array }).matches;
      history = history.slice(0, k);
    } else {
      matches = filterItems(s.items, query);
      history = [];
    }
  }
  // A new query starts at the top, as in fzf.
  return place({ ...s, query, matches, history, offset: 0 }, 0);
}

// Every key goes through here, so keys that arrive in one chunk (Down then Enter) act in order.
export function pickerReducer(s: PickerState, a: PickerAction): PickerState {
  if (s.done) return s;
  switch (a.type) {
    case 'loaded': {
      const items = toItems(a.buckets);
      const next: PickerState = { ...s, status: 'ready', items, error: undefined };
      return place({ ...next, matches: filterItems(items, s.query), history: [], offset: 0 }, 0);
    }
    case 'failed':
      return { ...s, status: 'error', error: a.error };
    case 'reload':
      return { ...s, status: 'loading', error: undefined };
    case 'type':
      // In the error state the only key that means something is r (retry).
      if (s.status === 'error') return a.text === 'r' ? { ...s, status: 'loading', error: undefined } : s;
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
    case 'submit': {
      const item = s.status === 'ready' ? selected(s) : undefined;
      return item
        ? { ...s, done: { kind: 'chosen', bucket: { bucketName: item.bucketName, location: item.location } } }
        : s;
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
