// Sorting, filtering and ranking of buckets. Built for 100,000 rows: lower-cased keys are computed once,
// a query that extends the previous one only searches the previous matches, and ranking is a counting sort.
import type { ObsBucket } from '@dbss-obs/core';

export interface Item extends ObsBucket {
  /**
   * `bucketName` lower-cased: what terms match, with `loc`. OBS names are lower-case already, so this
   * is the very same string, and a row costs one small object (measured: 92 -> 28 bytes a row).
   */
  readonly key: string;
  /** `location` lower-cased; one string per distinct location. */
  readonly loc: string;
}

/** Sorted by location, then bucket name (code-unit order, stable across locales). */
export function toItems(buckets: readonly ObsBucket[]): Item[] {
  // Locations repeat (a few dozen regions over 100,000 rows): one string (and one lower-cased) each.
  const locations = new Map<string, [string, string]>();
  const items: Item[] = new Array(buckets.length);
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i] as ObsBucket;
    let location = locations.get(b.location);
    if (location === undefined) {
      location = [b.location, b.location.toLowerCase()];
      locations.set(b.location, location);
    }
    items[i] = { bucketName: b.bucketName, location: location[0], key: b.bucketName.toLowerCase(), loc: location[1] };
  }
  items.sort((a, b) => cmp(a.location, b.location) || cmp(a.bucketName, b.bucketName));
  return items;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whitespace-separated terms; every term must occur (case-insensitive) in the name or the location. */
export function terms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

function matches(item: Item, ts: readonly string[]): boolean {
  for (let k = 0; k < ts.length; k++) {
    const t = ts[k] as string;
    if (item.key.indexOf(t) === -1 && item.loc.indexOf(t) === -1) return false;
  }
  return true;
}

/**
 * Working buffers reused by every keystroke: only the final, exactly sized arrays are allocated.
 * (Typed arrays live outside V8's heap, and V8 collects them late: with 100,000 rows, scratch arrays
 * made afresh for every key added ~14 MiB of peak memory per query typed and deleted.)
 */
let scratchIndices = new Uint32Array(0);
let scratchRanks = new Uint8Array(0);

/**
 * Indices of the items that match `query`, ascending (location-then-name order). When `previous`
 * holds the matches of a query that this one extends, only those are searched.
 */
export function filterItems(
  items: readonly Item[],
  query: string,
  previous?: { query: string; indices: Uint32Array },
): Uint32Array {
  const ts = terms(query);
  if (ts.length === 0) {
    const all = new Uint32Array(items.length);
    for (let i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
  const narrowing = previous && query.startsWith(previous.query) && terms(previous.query).length > 0;
  const source = narrowing ? previous.indices : undefined;
  const total = source ? source.length : items.length;
  if (scratchIndices.length < total) scratchIndices = new Uint32Array(total);
  const out = scratchIndices;
  let n = 0;
  // The common case, one term, gets a loop without the per-item helper call.
  const single = ts.length === 1 ? (ts[0] as string) : undefined;
  for (let j = 0; j < total; j++) {
    const i = source ? (source[j] as number) : j;
    const item = items[i] as Item;
    if (single !== undefined ? item.key.indexOf(single) !== -1 || item.loc.indexOf(single) !== -1 : matches(item, ts))
      out[n++] = i;
  }
  return out.slice(0, n);
}

/** How well a term matches a name: lower is better. */
export const RANK = { exact: 0, prefix: 1, wordStart: 2, other: 3 } as const;

/** `-`, `_`, `.` and `/` start a new word. */
function isWordBreak(c: number): boolean {
  return c === 45 || c === 95 || c === 46 || c === 47;
}

/** The rank one term earns against an item's lower-cased name. */
function termRank(key: string, t: string): number {
  if (key.startsWith(t)) return t.length === key.length ? RANK.exact : RANK.prefix;
  const last = key.length - t.length;
  for (let at = key.indexOf(t, 1); at !== -1 && at <= last; at = key.indexOf(t, at + 1))
    if (isWordBreak(key.charCodeAt(at - 1))) return RANK.wordStart;
  return RANK.other;
}

/** The rank of an item for a query: the best any of its terms earns against the bucket name. */
export function rankOf(item: Item, query: string): number {
  let best: number = RANK.other;
  for (const t of terms(query)) best = Math.min(best, termRank(item.key, t));
  return best;
}

/**
 * `indices` (ascending) in display order for `query`: exact name > name prefix > a word of the name
 * starts with a term > other matches; within a rank the ascending (location-then-name) order is kept.
 * A stable counting sort over four ranks: O(n), no comparisons.
 */
export function rankMatches(items: readonly Item[], query: string, indices: Uint32Array): Uint32Array {
  const ts = terms(query);
  if (ts.length === 0 || indices.length === 0) return indices;
  if (scratchRanks.length < indices.length) scratchRanks = new Uint8Array(indices.length);
  const ranks = scratchRanks;
  const counts = [0, 0, 0, 0];
  for (let j = 0; j < indices.length; j++) {
    const item = items[indices[j] as number] as Item;
    let r: number = RANK.other;
    for (let k = 0; k < ts.length && r > RANK.exact; k++) {
      const tr = termRank(item.key, ts[k] as string);
      if (tr < r) r = tr;
    }
    ranks[j] = r;
    counts[r] = (counts[r] as number) + 1;
  }
  if ((counts[RANK.other] as number) === indices.length) return indices;
  const start = [0, counts[0] as number, 0, 0];
  start[2] = (start[1] as number) + (counts[1] as number);
  start[3] = (start[2] as number) + (counts[2] as number);
  const out = new Uint32Array(indices.length);
  for (let j = 0; j < indices.length; j++) {
    const r = ranks[j] as number;
    out[start[r] as number] = indices[j] as number;
    start[r] = (start[r] as number) + 1;
  }
  return out;
}

/** Character ranges [start, end) of `text` that the query's terms matched, merged and sorted. */
export function highlightRanges(text: string, query: string): [number, number][] {
  const lower = text.toLowerCase();
  const ranges: [number, number][] = [];
  for (const t of terms(query)) {
    let from = 0;
    for (;;) {
      const at = lower.indexOf(t, from);
      if (at === -1) break;
      ranges.push([at, at + t.length]);
      from = at + t.length;
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** Buckets matching `query` in display order: ranked unless `sort` is false. For --list, --select-1, --exit-0. */
export function matchingBuckets(buckets: readonly ObsBucket[], query: string, sort = true): ObsBucket[] {
  const items = toItems(buckets);
  const found = filterItems(items, query);
  return Array.from(sort ? rankMatches(items, query, found) : found, (i) => {
    const it = items[i] as Item;
    return { bucketName: it.bucketName, location: it.location };
  });
}
