// Sorting and filtering of buckets. Built for 100,000 rows: lower-cased keys are computed once,
// and a query that extends the previous one only searches the previous matches.
import type { ObsBucket } from '@dbss-obs/core';

export interface Item extends ObsBucket {
  /** Lower-cased `bucketName`, for matching. */
  readonly name: string;
  /** Lower-cased `location`. */
  readonly loc: string;
}

/** Sorted by location, then bucket name (code-unit order, stable across locales). */
export function toItems(buckets: readonly ObsBucket[]): Item[] {
  const items = buckets.map((b) => ({ ...b, name: b.bucketName.toLowerCase(), loc: b.location.toLowerCase() }));
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
  for (const t of ts) if (!item.name.includes(t) && !item.loc.includes(t)) return false;
  return true;
}

/**
 * Indices of the items that match `query`. When `previous` holds the matches of a query that
 * this one extends, only those are searched.
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
  const out = new Uint32Array(narrowing ? previous.indices.length : items.length);
  let n = 0;
  if (narrowing) {
    for (const i of previous.indices) if (matches(items[i] as Item, ts)) out[n++] = i;
  } else {
    for (let i = 0; i < items.length; i++) if (matches(items[i] as Item, ts)) out[n++] = i;
  }
  return out.slice(0, n);
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
