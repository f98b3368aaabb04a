// GraphiQL served from this process, not from unpkg: it works offline and behind strict egress rules.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GraphiQLOptions, renderGraphiQL } from 'graphql-yoga';
import { GRAPHIQL_FILES } from './graphiql-files.js';

export const ASSET_PREFIX = '/graphiql-assets/';
const CDN = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;

let distDir: string | undefined;
/**
 * dist/graphiql/ beside the built code (what an installed gateway has); from source (tests, tsx) the
 * files come from the @graphql-yoga/graphiql devDependency itself.
 */
function dist(): string {
  if (distDir) return distDir;
  const copied = fileURLToPath(new URL('./graphiql/', import.meta.url));
  distDir = existsSync(join(copied, 'graphiql.css'))
    ? copied
    : join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');
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
  const type = Object.hasOwn(GRAPHIQL_FILES, name) ? GRAPHIQL_FILES[name] : undefined;
  if (!type) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  const body = await readFile(join(dist(), name));
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'public, max-age=86400' });
  res.end(body);
}
