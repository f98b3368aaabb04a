#!/usr/bin/env node
// dbss-emulator: run the local DBSS from a shell.
import { parseArgs } from 'node:util';
import { banner } from './banner.js';
import { MAX_BUCKETS } from './data.js';
import { DEFAULT_TEMP_CREDENTIAL_TTL_MS, DEMO_AK, DEMO_SK, DEMO_TOKEN, DEMO_USER, startEmulator } from './emulator.js';

const HELP = `dbss-emulator: a local Huawei Cloud (DBSS ListAuditObsBuckets, IAM, ECS metadata)

Usage: dbss-emulator [options]
  --port N        listen port (default 8443; 0 picks a free one)
  --host H        listen address (default 127.0.0.1)
  --buckets N     generate N buckets for the demo project (0-${MAX_BUCKETS}; default: a demo dozen)
  --seed N        seed for generated buckets (default 1)
  --fixture FILE  buckets from a JSON file: {"obs_list":[...]} or {"projects":{"<id>":{"obs_list":[...]}}}
  --token T       the token accepted as X-Auth-Token (default ${DEMO_TOKEN})
  --ak AK --sk SK the AK/SK pair accepted for signed requests (default ${DEMO_AK} / ${DEMO_SK})
  --temp-credential-ttl SECONDS
                  lifetime of temporary AK/SK from /openstack/latest/securitykey
                  (1-86400; default ${DEFAULT_TEMP_CREDENTIAL_TTL_MS / 1000}, 24 h)
  --metadata-token optional|required
                  metadata v2: "required" makes the metadata GETs a 401 without a valid
                  X-Metadata-Token from PUT /meta-data/latest/api/token (default optional)
  --tls           serve HTTPS with a CA and a server certificate it signs (127.0.0.1, ::1,
                  localhost), made at start; the banner says which CA file to trust
  --tls-cert FILE --tls-key FILE
                  serve HTTPS with this certificate and key (PEM) instead
  --tls-ca FILE   with --tls-cert: the CA file the banner tells clients to trust
  -h, --help      this text`;

function fail(message: string): never {
  process.stderr.write(`dbss-emulator: ${message}\nRun dbss-emulator --help for usage.\n`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      buckets: { type: 'string' },
      seed: { type: 'string' },
      fixture: { type: 'string' },
      token: { type: 'string' },
      ak: { type: 'string' },
      sk: { type: 'string' },
      'temp-credential-ttl': { type: 'string' },
      'metadata-token': { type: 'string' },
      tls: { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const int = (name: string, max: number): number | undefined => {
  const raw = values[name] as string | undefined;
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > max) fail(`--${name} must be a whole number from 0 to ${max} (got "${raw}")`);
  return Number(raw);
};
const port = int('port', 65535) ?? 8443;
const buckets = int('buckets', MAX_BUCKETS);
const seed = int('seed', 2 ** 31);
const ttlSeconds = int('temp-credential-ttl', 86_400) ?? DEFAULT_TEMP_CREDENTIAL_TTL_MS / 1000;
if (ttlSeconds === 0) fail('--temp-credential-ttl must be at least 1 second');
if ((values.ak === undefined) !== (values.sk === undefined)) fail('--ak and --sk go together');
const ak = (values.ak as string | undefined) ?? DEMO_AK;
const sk = (values.sk as string | undefined) ?? DEMO_SK;
const token = (values.token as string | undefined) ?? DEMO_TOKEN;
const metadataToken = (values['metadata-token'] as string | undefined) ?? 'optional';
if (metadataToken !== 'optional' && metadataToken !== 'required')
  fail(`--metadata-token must be "optional" or "required" (got "${metadataToken.slice(0, 20)}")`);
const certFile = values['tls-cert'] as string | undefined;
const keyFile = values['tls-key'] as string | undefined;
const caFile = values['tls-ca'] as string | undefined;
if ((certFile === undefined) !== (keyFile === undefined)) fail('--tls-cert and --tls-key go together');
if (values.tls && certFile) fail('--tls makes its own certificate; give either --tls or --tls-cert/--tls-key');
if (caFile && !certFile) fail('--tls-ca goes with --tls-cert and --tls-key');
const tls = values.tls ? (true as const) : certFile && keyFile ? { certFile, keyFile, caFile } : undefined;

try {
  const emu = await startEmulator({
    port,
    host: values.host as string | undefined,
    buckets,
    seed,
    fixture: values.fixture as string | undefined,
    token,
    credentials: [{ ak, sk }],
    tempCredentialTtlMs: ttlSeconds * 1000,
    metadataToken,
    tls,
  });
  process.stdout.write(
    banner({
      url: emu.url,
      token,
      ak,
      sk,
      user: DEMO_USER,
      tempCredentialTtlSeconds: ttlSeconds,
      caFile: emu.tls?.caFile,
      metadataToken,
    }),
  );
  const stop = () => {
    void emu.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') fail(`port ${port} is in use; pick another with --port, or --port 0 for any free port`);
  fail(e.message);
}
