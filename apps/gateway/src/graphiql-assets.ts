// GraphiQL served from this process, not from unpkg: it works offline and behind strict egress rules.
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type GraphiQLOptions, renderGraphiQL } from 'graphql-yoga';

export const ASSET_PREFIX = '/graphiql-assets/';
const CDN = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;
const FILES: Record<string, string> = {
  'graphiql.css': 'text/css; charset=utf-8',
  'yoga-graphiql.umd.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/editor.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/json.worker.bundle.js': 'text/javascript; charset=utf-8',
  'monacoeditorwork/graphql.worker..bundle.js': 'text/javascript; charset=utf-8',
};

let distDir: string | undefined;
function dist(): string {
  distDir ??= join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
  return distDir;
}

/** Yoga's GraphiQL page with its scripts and styles pointed at this server. */
export function renderLocalGraphiQL(opts: GraphiQLOptions): string {
  return renderGraphiQL(opts)
    .replace(CDN, ASSET_PREFIX)
    .replace(/<link rel=icon [^>]*>/, '');
}

/** Serves one of the known GraphiQL files; anything else is a 404 (no path from the caller reaches the disk). */
export async function serveGraphiQLAsset(path: string, res: ServerResponse): Promise<void> {
  const name = path.slice(ASSET_PREFIX.length);
  const type = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!type) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  const body = await readFile(join(dist(), name));
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'public, max-age=86400' });
  res.end(body);
}
