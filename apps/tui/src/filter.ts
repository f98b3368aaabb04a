// Sorting and filtering of buckets. Built for 100,000 rows: lower-cased keys are computed once,
// and a query that extends the previous one only searches the previous matches.
import type { ObsBucket } from '@dbss-obs/core';

export interface Item extends ObsBucket {
  /** `bucketName` and `location`, lower-cased and joined by a newline (no term contains one): what terms match. */
  readonly key: string;
}

/**
 * A flat copy of a string. Names built by concatenation are rope strings in V8, and searching a
 * rope costs ~40x more on every keystroke (measured: 100 ms against 2.5 ms over 100,000 rows).
 */
function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Sorted by location, then bucket name (code-unit order, stable across locales). */
export function toItems(buckets: readonly ObsBucket[]): Item[] {
  const items: Item[] = buckets.map((b) => ({
    bucketName: b.bucketName,
    location: b.location,
    key: flat(`${b.bucketName}\n${b.location}`.toLowerCase()),
  }));
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

function matches(key: string, ts: readonly string[]): boolean {
  for (let k = 0; k < ts.length; k++) if (key.indexOf(ts[k] as string) === -1) return false;
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
  const source = narrowing ? previous.indices : undefined;
  const total = source ? source.length : items.length;
  const out = new Uint32Array(total);
  let n = 0;
  // The common case, one term, gets a loop without the per-item helper call.
  const single = ts.length === 1 ? (ts[0] as string) : undefined;
  for (let j = 0; j < total; j++) {
    const i = source ? (source[j] as number) : j;
    const key = (items[i] as Item).key;
    if (single !== undefined ? key.indexOf(single) !== -1 : matches(key, ts)) out[n++] = i;
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
