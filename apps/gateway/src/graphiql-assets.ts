// GraphiQL served from this process, not from unpkg: it works offline and behind strict egress rules.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { type GraphiQLOptions, renderGraphiQL } from 'graphql-yoga';
import { GRAPHIQL_FILES } from './graphiql-files.js';

const gunzipAsync = promisify(gunzip);

export const ASSET_PREFIX = '/graphiql-assets/';
const CDN = /https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g;

let source: { dir: string; gzipped: boolean } | undefined;
/**
 * dist/graphiql/ beside the built code, gzipped (what an installed gateway has: 2 MB instead of 8.5);
 * from source (tests, tsx) the plain files of the @graphql-yoga/graphiql devDependency itself.
 */
function files(): { dir: string; gzipped: boolean } {
  if (source) return source;
  const copied = fileURLToPath(new URL('./graphiql/', import.meta.url));
  source = existsSync(join(copied, 'graphiql.css.gz'))
    ? { dir: copied, gzipped: true }
    : {
        dir: join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist'),
        gzipped: false,
      };
  return source;
}

/** Whether the request that `res` answers accepts a gzip body (every browser does). */
function acceptsGzip(res: ServerResponse): boolean {
  const accept = res.req?.headers['accept-encoding'];
  return typeof accept === 'string' && /\bgzip\b/.test(accept);
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
  const { dir, gzipped } = files();
  const headers: Record<string, string | number> = {
    'Content-Type': type,
    'Cache-Control': 'public, max-age=86400',
    Vary: 'Accept-Encoding',
  };
  let body = await readFile(join(dir, gzipped ? `${name}.gz` : name));
  if (gzipped && acceptsGzip(res)) headers['Content-Encoding'] = 'gzip';
  else if (gzipped) body = await gunzipAsync(body);
  headers['Content-Length'] = body.length;
  res.writeHead(200, headers);
  res.end(body);
}
