import { Writable } from 'node:stream';
import { pino } from 'pino';

export const QUERY =
  'query Buckets($projectId: ID!, $region: String) { obsBuckets(projectId: $projectId, region: $region) { bucketName location } }';

/** A pino logger whose lines are kept in memory for assertions. */
export function captureLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

export interface GqlResult {
  status: number;
  body: {
    data?: { obsBuckets?: { bucketName: string; location: string }[] } | null;
    errors?: { message: string; extensions?: { code?: string; upstream?: Record<string, unknown> } }[];
  };
  headers: Headers;
}

export async function gql(
  fetchImpl: (url: string, init: RequestInit) => Promise<Response> | Response,
  url: string,
  variables: Record<string, unknown>,
  headers: Record<string, string> = {},
  query = QUERY,
): Promise<GqlResult> {
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GqlResult['body'], headers: res.headers };
}
