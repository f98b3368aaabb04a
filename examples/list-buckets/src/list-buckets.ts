#!/usr/bin/env node
// list-buckets: @dbss-obs/core from another app. Output names follow Huawei's KooCLI (--cli-output).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

export const USAGE = `Usage: list-buckets [--cli-output table|json|tsv] [--project-id <id>] [--debug]

Lists the OBS buckets DBSS may back audit logs up into (ListAuditObsBuckets) with @dbss-obs/core.
Settings come from the environment, as the Huawei Cloud SDKs read them: HUAWEICLOUD_SDK_REGION (or
DBSS_ENDPOINT), and credentials from HUAWEICLOUD_AUTH_TOKEN, HUAWEICLOUD_SDK_AK/SK, an IAM user,
~/.huaweicloud/credentials or ECS metadata, the first one present.

  --cli-output   table (default), json or tsv
  --project-id   the project to list; discovered from the region when omitted
  --debug        print which credential source and endpoint were used (never a secret)
  -h, --help     this text

Exit codes: 0 listed, 2 bad option or configuration, 3 refused (401/403), 4 other failure.`;

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; out: string; err: string }> {
  let values: { 'cli-output'?: string; 'project-id'?: string; debug?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'cli-output': { type: 'string' },
        'project-id': { type: 'string' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    return { code: 2, out: '', err: `list-buckets: ${(e as Error).message}\nlist-buckets --help shows the options.` };
  }
  if (values.help) return { code: 0, out: USAGE, err: '' };
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

// Run as a program (also through a symlinked bin, e.g. node_modules/.bin), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = await main(process.argv.slice(2), process.env);
  if (r.out) process.stdout.write(`${r.out}\n`);
  if (r.err) process.stderr.write(`${r.err}\n`);
  process.exitCode = r.code;
}
