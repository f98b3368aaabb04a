#!/usr/bin/env node
// pnpm release:check — the packages as a user gets them. Packs core, emulator, gateway and tui with
// `pnpm pack` (prepack builds; workspace: specifiers are rewritten), checks each tarball's contents and
// manifest, installs the tarballs with npm into empty directories OUTSIDE the workspace and runs what a
// user would: import and require of core against the installed emulator, tsc --strict on a consumer
// file (no extra @types), `npx obs-pick --help`, `npx dbss-obs-gateway` (demo) answering a query,
// `npx dbss-emulator`. Last, the weight of a gateway install. Exit 0 when all pass, 1 otherwise.
// Options: --keep (leave the temp dirs), --skip-pack DIR (reuse tarballs from DIR).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['packages/core', 'packages/emulator', 'apps/gateway', 'apps/tui'];
/** `npm install` of the gateway tarball plus the @dbss-obs tarballs it depends on: at most this. */
const GATEWAY_INSTALL_MAX_KB = 40 * 1024;
const keep = process.argv.includes('--keep');

const work = mkdtempSync(join(tmpdir(), 'dbss-release-check-'));
if (!relative(ROOT, work).startsWith('..')) throw new Error(`the temp dir ${work} is inside the workspace`);
let failures = 0;
const results = [];

function step(name, fn) {
  const started = Date.now();
  return Promise.resolve()
    .then(fn)
    .then(
      (note) => {
        results.push(`ok    ${name}${note ? ` (${note})` : ''} [${((Date.now() - started) / 1000).toFixed(1)} s]`);
        process.stdout.write(`${results.at(-1)}\n`);
      },
      (err) => {
        failures++;
        results.push(`FAIL  ${name}: ${err instanceof Error ? err.message : String(err)}`);
        process.stdout.write(`${results.at(-1)}\n`);
      },
    );
}

function sh(file, args, opts = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(
      `${file} ${args.join(' ')} exited ${r.status}:\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(0, 4000),
    );
  return r.stdout;
}

/** An npm project in a new temp dir with `tarballs` installed (`flags`: more npm flags). */
function install(name, tarballs, flags = []) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `release-check-${name}`, private: true }, null, 2)}\n`,
  );
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...flags, ...tarballs], { cwd: dir });
  return dir;
}

/**
 * Runs a long-lived command in its own process group until `ready` matches its output, then `use(output)`,
 * then stops the group with SIGINT, as Ctrl-C in a terminal does (npx and the bin both get it).
 */
function serve(cwd, file, args, env, ready, use) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const group = (signal) => {
      try {
        process.kill(-child.pid, signal);
      } catch {}
    };
    let out = '';
    let started = false;
    const timer = setTimeout(() => {
      group('SIGKILL');
      reject(new Error(`no ${ready} within 120 s:\n${out}`));
    }, 120_000);
    const take = (b) => {
      out += b;
      if (started || !ready.test(out)) return;
      started = true;
      Promise.resolve(use(out)).then(
        (note) => {
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            if (code === 0 || signal === 'SIGINT') resolve(note);
            else reject(new Error(`exited ${code ?? signal} after SIGINT:\n${out}`));
          });
          group('SIGINT');
        },
        (err) => {
          clearTimeout(timer);
          group('SIGKILL');
          reject(err);
        },
      );
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('exit', (code) => {
      if (started) return;
      clearTimeout(timer);
      reject(new Error(`exited ${code} before it was ready:\n${out}`));
    });
  });
}

const tarballs = {};
const packDir = join(work, 'tarballs');
mkdirSync(packDir);

await step('pnpm pack (prepack builds) core, emulator, gateway, tui', () => {
  for (const pkg of PACKAGES) {
    const before = new Set(readdirSync(packDir));
    sh('pnpm', ['pack', '--pack-destination', packDir], { cwd: join(ROOT, pkg) });
    const made = readdirSync(packDir).filter((f) => !before.has(f));
    if (made.length !== 1) throw new Error(`pnpm pack in ${pkg} made ${made.length} tarballs`);
    tarballs[pkg] = join(packDir, made[0]);
  }
  return Object.values(tarballs)
    .map((t) => t.split('/').at(-1))
    .join(', ');
});

for (const pkg of PACKAGES) {
  await step(`${pkg} tarball: README, LICENSE, dist, repository, engines, no workspace:`, () => {
    const tgz = tarballs[pkg];
    if (!tgz) throw new Error('not packed');
    const files = sh('tar', ['-tzf', tgz]).split('\n').filter(Boolean);
    for (const f of ['package/README.md', 'package/LICENSE', 'package/package.json'])
      if (!files.includes(f)) throw new Error(`${f} missing`);
    const dist = files.filter((f) => f.startsWith('package/dist/'));
    if (dist.length === 0) throw new Error('no dist/ files: the tarball would be empty');
    const text = sh('tar', ['-xzOf', tgz, 'package/package.json']);
    if (text.includes('workspace:')) throw new Error('a workspace: specifier is left in package.json');
    const manifest = JSON.parse(text);
    if (manifest.engines?.node !== '>=20.19') throw new Error(`engines.node is ${manifest.engines?.node}`);
    if (!manifest.repository?.url) throw new Error('no repository');
    if (manifest.license !== 'MIT') throw new Error(`license is ${manifest.license}`);
    for (const [sub, target] of Object.entries(manifest.exports ?? {}))
      if (typeof target === 'object' && !target.default) throw new Error(`exports["${sub}"] has no default condition`);
    return `${files.length} files`;
  });
}

const all = Object.values(tarballs);
let app;
await step('npm install of the four tarballs outside the workspace', () => {
  app = install('app', all);
});

const LIST = `
  const emu = await startEmulator({ port: 0 });
  try {
    const client = DbssClient.fromEnv({
      DBSS_ENDPOINT: emu.url,
      HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN,
      HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID,
      HOME: '/nonexistent',
    });
    const buckets = await client.listObsBuckets();
    if (buckets.length !== 12) throw new Error('expected the 12 demo buckets, got ' + buckets.length);
    console.log(buckets.length + ' buckets');
  } finally {
    await emu.close();
  }`;

await step('ESM: import @dbss-obs/core lists buckets from the installed emulator', () => {
  writeFileSync(
    join(app, 'esm.mjs'),
    `import { DbssClient } from '@dbss-obs/core';\nimport { startEmulator, DEMO_TOKEN, DEMO_PROJECT_ID } from '@dbss-obs/emulator';\n${LIST}\n`,
  );
  return sh(process.execPath, ['esm.mjs'], { cwd: app }).trim();
});

await step('CJS: require(@dbss-obs/core) lists buckets from the installed emulator', () => {
  writeFileSync(
    join(app, 'cjs.cjs'),
    `const { DbssClient } = require('@dbss-obs/core');\nconst { startEmulator, DEMO_TOKEN, DEMO_PROJECT_ID } = require('@dbss-obs/emulator');\n(async () => {${LIST}\n})().catch((e) => { console.error(e); process.exit(1); });\n`,
  );
  return sh(process.execPath, ['--no-warnings', 'cjs.cjs'], { cwd: app }).trim();
});

await step('tsc --strict on a consumer of core, emulator and tui (no extra @types)', () => {
  writeFileSync(
    join(app, 'consumer.ts'),
    `import { DbssClient, type ObsBucket, isDbssError } from '@dbss-obs/core';
import { DEMO_PROJECT_ID, type Emulator } from '@dbss-obs/emulator';
import { filterItems, matchingBuckets, type PickerOptions, toItems } from '@dbss-obs/tui';

export async function names(client: DbssClient): Promise<string[]> {
  try {
    const buckets: ObsBucket[] = await client.listObsBuckets({ projectId: DEMO_PROJECT_ID });
    const items = toItems(buckets);
    const options: PickerOptions = { multi: false };
    return [...filterItems(items, 'audit')].map((i) => items[i]?.bucketName ?? String(options.multi));
  } catch (err) {
    if (isDbssError(err)) return [err.code];
    throw err;
  }
}
export const first = (buckets: ObsBucket[]): ObsBucket | undefined => matchingBuckets(buckets, 'backup')[0];
export type Url = Emulator['url'];
`,
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  sh(
    process.execPath,
    [
      tsc,
      '--strict',
      '--noEmit',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      'consumer.ts',
    ],
    { cwd: app },
  );
});

await step('npx obs-pick --help', () => {
  const out = sh('npx', ['--no-install', 'obs-pick', '--help'], { cwd: app });
  if (!out.includes('Usage: obs-pick')) throw new Error(`no usage line:\n${out}`);
});

await step('npx dbss-obs-gateway (demo) answers a query, stops on SIGINT', () =>
  serve(app, 'npx', ['--no-install', 'dbss-obs-gateway'], { PORT: '0', NODE_ENV: '' }, /curl: .*\n/, async (out) => {
    const url = /curl:\s+curl -s (\S+)/.exec(out)?.[1];
    const token = /Token:\s+(\S+)/.exec(out)?.[1];
    const project = /Project:\s+(\S+)/.exec(out)?.[1];
    if (!url || !token || !project) throw new Error(`no URL/token/project in the banner:\n${out}`);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Auth-Token': token },
      body: JSON.stringify({ query: `{ obsBuckets(projectId: "${project}") { bucketName location } }` }),
    });
    const body = await res.json();
    const n = body?.data?.obsBuckets?.length;
    if (res.status !== 200 || !n) throw new Error(`answer ${res.status}: ${JSON.stringify(body)}`);
    const page = await fetch(url, { headers: { Accept: 'text/html' } });
    const html = await page.text();
    const css = await fetch(new URL('/graphiql-assets/graphiql.css', url));
    if (!html.includes('/graphiql-assets/') || css.status !== 200)
      throw new Error(`GraphiQL assets not served (page ${page.status}, css ${css.status})`);
    // Shipped gzipped: a client that takes no gzip gets the same bytes unpacked.
    const plain = await fetch(new URL('/graphiql-assets/graphiql.css', url), {
      headers: { 'Accept-Encoding': 'identity' },
    });
    const [a, b] = [await css.text(), await plain.text()];
    if (plain.headers.get('content-encoding') || a !== b || !a.includes('.graphiql-container'))
      throw new Error('graphiql.css differs between gzip and identity');
    return `${n} buckets; GraphiQL assets served`;
  }),
);

await step('npx dbss-emulator serves the demo project', () =>
  serve(app, 'npx', ['--no-install', 'dbss-emulator', '--port', '0'], {}, /try: curl .*\n/, async (out) => {
    const url = /DBSS emulator listening on (\S+)/.exec(out)?.[1];
    const token = /export HUAWEICLOUD_AUTH_TOKEN=(\S+)/.exec(out)?.[1];
    const project = /export HUAWEICLOUD_SDK_PROJECT_ID=(\S+)/.exec(out)?.[1];
    const res = await fetch(`${url}/v2/${project}/audit/backup/obs-buckets`, { headers: { 'X-Auth-Token': token } });
    const body = await res.json();
    if (res.status !== 200 || !body.obs_list?.length) throw new Error(`answer ${res.status}: ${JSON.stringify(body)}`);
    return `${body.obs_list.length} buckets`;
  }),
);

await step(
  `gateway install (gateway + its @dbss-obs tarballs, --engine-strict) <= ${GATEWAY_INSTALL_MAX_KB / 1024} MB`,
  () => {
    const needed = ['apps/gateway', 'packages/core', 'packages/emulator'].map((p) => tarballs[p]);
    // --engine-strict: no installed package may need a newer Node than this one (run it on 20.19).
    const dir = install('gateway-only', needed, ['--engine-strict']);
    const kb = Number(execFileSync('du', ['-sk', 'node_modules'], { cwd: dir, encoding: 'utf8' }).split('\t')[0]);
    const count = readdirSync(join(dir, 'node_modules'), { recursive: true }).filter((f) =>
      String(f).endsWith('package.json'),
    ).length;
    const note = `${(kb / 1024).toFixed(1)} MB, ${count} package.json files`;
    if (kb > GATEWAY_INSTALL_MAX_KB) throw new Error(note);
    return note;
  },
);

if (keep) process.stdout.write(`kept ${work}\n`);
else rmSync(work, { recursive: true, force: true });
process.stdout.write(`release:check: ${results.length - failures} passed, ${failures} failed\n`);
process.exit(failures ? 1 : 0);
