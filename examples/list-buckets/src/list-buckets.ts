#!/usr/bin/env node
// list-buckets: @dbss-obs/core from another app. Output names follow Huawei's KooCLI (--cli-output).
import { parseArgs } from 'node:util';
import { DbssClient, isDbssApiError, isDbssError, type ObsBucket } from '@dbss-obs/core';

export type Output = 'table' | 'json' | 'tsv';

export function format(buckets: readonly ObsBucket[], output: Output): string {
  if (output === 'json')
    return JSON.stringify(
      { obs_list: buckets.map((b) => ({ bucket_name: b.bucketName, location: b.location })) },
      null,
      2,
    );
  if (output === 'tsv') return buckets.map((b) => `${b.bucketName}\t${b.location}`).join('\n');
  const w = Math.max('bucket_name'.length, ...buckets.map((b) => b.bucketName.length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(16)}+`;
  const row = (a: string, b: string) => `| ${a.padEnd(w)} | ${b.padEnd(14)} |`;
  return [line, row('bucket_name', 'location'), line, ...buckets.map((b) => row(b.bucketName, b.location)), line].join(
    '\n',
  );
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; out: string; err: string }> {
  let values: { 'cli-output'?: string; 'project-id'?: string; debug?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'cli-output': { type: 'string' }, 'project-id': { type: 'string' }, debug: { type: 'boolean' } },
    }));
  } catch (e) {
    return { code: 2, out: '', err: `list-buckets: ${(e as Error).message}` };
  }
  const output = (values['cli-output'] ?? 'table') as Output;
  if (!['table', 'json', 'tsv'].includes(output))
    return { code: 2, out: '', err: `list-buckets: --cli-output must be table, json or tsv` };
  const debug: string[] = [];
  try {
    // Settings come from the environment (HUAWEICLOUD_*, DBSS_*, proxies); credentials from the first
    // source of the chain present: token, AK/SK, IAM password, ~/.huaweicloud/credentials, ECS metadata.
    // Explicit options win. Without a project id, it is discovered from the region.
    const client = DbssClient.fromEnv(env, {
      timeoutMs: 5000,
      maxRetries: 1,
      logger: values.debug ? { debug: (m) => debug.push(m) } : undefined,
    });
    const buckets = await client.listObsBuckets({ projectId: values['project-id'] });
    if (values.debug) debug.push(`list-buckets: ${JSON.stringify(client.describe())}`);
    return { code: 0, out: format(buckets, output), err: debug.join('\n') };
  } catch (e) {
    // Errors are data: branch on classes and fields, never on the message text.
    if (isDbssApiError(e))
      return {
        code: e.status === 401 || e.status === 403 ? 3 : 4,
        out: '',
        err: `list-buckets: ${e.errorCode ?? e.status} ${e.errorMsg ?? ''} (request id ${e.requestId ?? '-'})`,
      };
    if (isDbssError(e))
      return {
        code: e.code === 'CONFIG_ERROR' || e.code === 'VALIDATION_ERROR' || e.code === 'PROJECT_NOT_FOUND' ? 2 : 4,
        out: '',
        err: `list-buckets: ${e.code} ${e.message}`,
      };
    throw e;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await main(process.argv.slice(2), process.env);
  if (r.out) process.stdout.write(`${r.out}\n`);
  if (r.err) process.stderr.write(`${r.err}\n`);
  process.exitCode = r.code;
}
