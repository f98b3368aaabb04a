// "Paste the banner": the emulator bin's banner, ONLY its `export` lines evaluated in a child shell, and
// nothing else configured (PATH and an empty HOME; the gateway also gets PORT=0, a free port, not a DBSS
// setting), configures this example, the picker (`obs-pick --list`) and the gateway; over HTTP and over
// --tls (the banner's NODE_EXTRA_CA_CERTS is the only trust given). Without that one line, each fails at
// once with the typed TLS error naming NODE_EXTRA_CA_CERTS, never a hang.
// Real processes throughout: the built bins of the emulator, this example, the picker and the gateway.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_BUCKETS } from '@dbss-obs/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const BIN = {
  emulator: join(root, 'packages/emulator/dist/cli.js'),
  listBuckets: join(root, 'examples/list-buckets/dist/list-buckets.js'),
  picker: join(root, 'apps/tui/dist/obs-pick.js'),
  gateway: join(root, 'apps/gateway/dist/main.js'),
};
/** The whole environment of every child: no DBSS or Huawei variable but what the banner exports. */
const home = mkdtempSync(join(tmpdir(), 'banner-home-'));
const bareEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };

interface Banner {
  text: string;
  exports: string[];
  stop(): void;
}

async function startEmulatorBin(args: string[]): Promise<Banner> {
  const child = spawn(process.execPath, [BIN.emulator, '--port', '0', ...args], {
    env: bareEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const text = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('try:')) resolve(buf);
    });
    child.once('exit', (code) => reject(new Error(`dbss-emulator exited ${code}`)));
  });
  const exports = text.split('\n').filter((l) => /^\s*export [A-Z][A-Z0-9_]*=\S+$/.test(l));
  return { text, exports: exports.map((l) => l.trim()), stop: () => child.kill('SIGTERM') };
}

/** Runs `command` in `sh` after sourcing `exports` (a file of the banner's export lines), nothing else set. */
function inShell(exports: string[], command: string, extra = '') {
  const file = join(mkdtempSync(join(tmpdir(), 'banner-exports-')), 'exports.sh');
  writeFileSync(file, `${exports.join('\n')}\n`);
  return spawn('/bin/sh', ['-c', `. '${file}' && ${extra}exec ${command}`], {
    env: bareEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finish(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

const token = (exports: string[]) =>
  (exports.find((l) => l.startsWith('export HUAWEICLOUD_AUTH_TOKEN=')) as string).split('=')[1] as string;

/** Starts the gateway bin from the exports; resolves with its GraphQL URL and a stop function. */
async function startGateway(exports: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child = inShell(exports, `node '${BIN.gateway}'`, 'PORT=0 ');
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      err += d;
      const m = /listening on (\S+\/graphql)/.exec(err);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited ${code}: ${err}`)));
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function query(url: string, tokenValue: string) {
  // No projectId: the gateway discovers it through the banner's HUAWEICLOUD_SDK_IAM_ENDPOINT.
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Auth-Token': tokenValue },
    body: JSON.stringify({ query: '{ obsBuckets { bucketName location } }' }),
  });
  return (await res.json()) as {
    data?: { obsBuckets: { bucketName: string }[] } | null;
    errors?: { message: string; extensions: { code: string } }[];
  };
}

const names = DEMO_BUCKETS.map((b) => b.bucket_name);

describe.each([
  ['HTTP', []],
  ['--tls', ['--tls']],
])('the banner’s exports alone (%s)', (mode, args) => {
  let banner: Banner;
  beforeAll(async () => {
    banner = await startEmulatorBin(args);
  });
  afterAll(() => banner?.stop());

  it('carry the endpoint variables of our clients and of the official SDKs', () => {
    const scheme = mode === 'HTTP' ? 'http' : 'https';
    expect(banner.exports).toContainEqual(expect.stringMatching(new RegExp(`^export DBSS_ENDPOINT=${scheme}://`)));
    expect(banner.exports).toContainEqual(expect.stringMatching(/^export HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4=/));
    expect(banner.exports).toContainEqual(expect.stringMatching(/^export HUAWEICLOUD_SDK_IAM_ENDPOINT=/));
    const trust = banner.exports.filter((l) =>
      /^export (NODE_EXTRA_CA_CERTS|REQUESTS_CA_BUNDLE|SSL_CERT_FILE)=/.test(l),
    );
    expect(trust).toHaveLength(mode === 'HTTP' ? 0 : 3);
  });

  it('examples/list-buckets lists the demo buckets', async () => {
    const r = await finish(inShell(banner.exports, `node '${BIN.listBuckets}' --cli-output json`));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { obs_list: { bucket_name: string }[] };
    expect(body.obs_list.map((b) => b.bucket_name)).toEqual(names);
  });

  it('obs-pick --list prints them', async () => {
    const r = await finish(inShell(banner.exports, `node '${BIN.picker}' --list`));
    expect(r.code).toBe(0);
    // The picker orders them its own way.
    expect(r.out.trim().split('\n').sort()).toEqual([...names].sort());
  });

  it('the gateway answers a query (project discovered through IAM)', async () => {
    const gw = await startGateway(banner.exports);
    try {
      const body = await query(gw.url, token(banner.exports));
      expect(body.errors).toBeUndefined();
      expect(body.data?.obsBuckets.map((b) => b.bucketName)).toEqual(names);
    } finally {
      await gw.stop();
    }
  });

  // Only over TLS is there a CA to leave out: the case exists in that row alone (not a skip in the other).
  if (mode === '--tls')
    it('without NODE_EXTRA_CA_CERTS: a typed TLS error naming it, at once, from all three', async () => {
      const untrusting = banner.exports.filter((l) => !l.startsWith('export NODE_EXTRA_CA_CERTS='));
      const [list, pick] = await Promise.all([
        finish(inShell(untrusting, `node '${BIN.listBuckets}'`)),
        finish(inShell(untrusting, `node '${BIN.picker}' --list`)),
      ]);
      expect(list.code).toBe(4);
      expect(list.err).toMatch(/^list-buckets: TLS_ERROR .*NODE_EXTRA_CA_CERTS/);
      expect(pick.code).toBe(4);
      expect(pick.err).toMatch(/TLS_ERROR .*NODE_EXTRA_CA_CERTS/);
      const gw = await startGateway(untrusting);
      try {
        const body = await query(gw.url, token(banner.exports));
        expect(body.errors?.[0]?.extensions.code).toBe('UPSTREAM_UNAVAILABLE');
        expect(body.errors?.[0]?.message).toContain('NODE_EXTRA_CA_CERTS');
      } finally {
        await gw.stop();
      }
    });
});
