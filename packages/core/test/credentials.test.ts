// The credential chain of DbssClient.fromEnv: every step wins when it should and only then; the profile
// file's edge cases; a present but broken source is an error naming it. HOME points at a temp dir.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_AK, DEMO_PROJECT_ID, DEMO_SK, DEMO_TOKEN } from '@dbss-obs/emulator';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DbssClient, DbssConfigError, type Env, parseProfile, readProfile, resolveCredentials } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'dbss-core-creds-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
let home: string;
beforeEach(() => {
  home = join(root, `home${n++}`);
  mkdirSync(home);
});

const PROFILE_AK = 'PROFILEAKEXAMPLE0001';
const PROFILE_SK = 'profile-secret-key-that-must-not-leak';
const PROFILE_PROJECT = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

function writeProfile(text: string, dir = home): string {
  mkdirSync(join(dir, '.huaweicloud'), { recursive: true });
  const file = join(dir, '.huaweicloud', 'credentials');
  writeFileSync(file, text);
  return file;
}

const basicProfile = `[basic]\nak = ${PROFILE_AK}\nsk = ${PROFILE_SK}\nproject_id = ${PROFILE_PROJECT}\n`;
const base = (): Env => ({ HOME: home, HUAWEICLOUD_SDK_REGION: 'cn-north-4' });
const token = { HUAWEICLOUD_AUTH_TOKEN: DEMO_TOKEN };
const aksk = { HUAWEICLOUD_SDK_AK: DEMO_AK, HUAWEICLOUD_SDK_SK: DEMO_SK };
const password = { HUAWEICLOUD_IAM_USER: 'alice', HUAWEICLOUD_IAM_PASSWORD: 'pw-123456', HUAWEICLOUD_IAM_DOMAIN: 'd' };
const metadata = { DBSS_METADATA_ENDPOINT: 'http://127.0.0.1:9/' };

function configError(fn: () => unknown): DbssConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DbssConfigError);
    return e as DbssConfigError;
  }
  throw new Error('expected a DbssConfigError');
}

describe('the chain: first present source wins', () => {
  it('explicit auth beats every variable, and a broken profile is then never read', () => {
    writeProfile('this is not ini');
    const c = DbssClient.fromEnv(
      { ...base(), ...token, ...aksk, ...password, ...metadata },
      { auth: { type: 'aksk', ak: 'OPTIONSAK', sk: 'options-sk' } },
    );
    expect(c.describe()).toMatchObject({ credentialSource: 'options', authType: 'aksk' });
  });

  it('HUAWEICLOUD_AUTH_TOKEN beats AK/SK, password, profile and metadata', () => {
    writeProfile(basicProfile);
    const c = DbssClient.fromEnv({ ...base(), ...token, ...aksk, ...password, ...metadata });
    expect(c.describe()).toMatchObject({ credentialSource: 'env:token', authType: 'token' });
  });

  it('AK/SK beat password, profile and metadata', () => {
    writeProfile(basicProfile);
    const c = DbssClient.fromEnv({ ...base(), ...aksk, ...password, ...metadata });
    expect(c.describe()).toMatchObject({ credentialSource: 'env:aksk', authType: 'aksk' });
    expect(resolveCredentials({ ...aksk, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'sts' })?.auth).toEqual({
      type: 'aksk',
      ak: DEMO_AK,
      sk: DEMO_SK,
      securityToken: 'sts',
    });
  });

  it('IAM password beats profile and metadata', () => {
    writeProfile(basicProfile);
    const c = DbssClient.fromEnv({ ...base(), ...password, ...metadata });
    expect(c.describe()).toMatchObject({ credentialSource: 'env:password', authType: 'password' });
  });

  it('the profile beats metadata and brings its project id and IAM endpoint', () => {
    writeProfile(`${basicProfile}iam_endpoint = http://127.0.0.1:7/\nsecurity_token = sts-value\n`);
    const found = resolveCredentials({ ...base(), ...metadata });
    expect(found).toMatchObject({
      source: 'profile',
      auth: { type: 'aksk', ak: PROFILE_AK, sk: PROFILE_SK, securityToken: 'sts-value' },
      projectId: PROFILE_PROJECT,
      iamEndpoint: 'http://127.0.0.1:7/',
    });
    const c = DbssClient.fromEnv({ ...base(), ...metadata });
    expect(c.describe()).toMatchObject({
      credentialSource: 'profile',
      authType: 'aksk',
      projectId: PROFILE_PROJECT,
      projectIdSource: 'profile',
    });
  });

  it('HUAWEICLOUD_SDK_PROJECT_ID overrides the profile project id', () => {
    writeProfile(basicProfile);
    const c = DbssClient.fromEnv({ ...base(), HUAWEICLOUD_SDK_PROJECT_ID: DEMO_PROJECT_ID });
    expect(c.describe()).toMatchObject({ projectId: DEMO_PROJECT_ID, projectIdSource: 'env' });
  });

  it('HUAWEICLOUD_SDK_CREDENTIALS_FILE names another profile file', () => {
    const other = join(root, `elsewhere${n++}`);
    const file = writeProfile(basicProfile, other);
    const c = DbssClient.fromEnv({ ...base(), HUAWEICLOUD_SDK_CREDENTIALS_FILE: file });
    expect(c.describe().credentialSource).toBe('profile');
  });

  it('ECS metadata only when enabled, and then only after every other source', () => {
    // No source at all: the error names what to set.
    const none = configError(() => DbssClient.fromEnv(base()));
    expect(none.variable?.startsWith('HUAWEICLOUD_AUTH_TOKEN')).toBe(true);
    expect(none.message).toContain('DBSS_USE_ECS_METADATA');
    const viaEndpoint = DbssClient.fromEnv({ ...base(), ...metadata });
    expect(viaEndpoint.describe()).toMatchObject({ credentialSource: 'ecs-metadata', authType: 'aksk' });
    // DBSS_USE_ECS_METADATA=1 picks the instance's own service; building the client contacts nothing.
    expect(resolveCredentials({ ...base(), DBSS_USE_ECS_METADATA: '1' })?.auth).toEqual({
      type: 'ecs-metadata',
      endpoint: 'http://169.254.169.254/',
    });
    expect(resolveCredentials({ ...base(), DBSS_USE_ECS_METADATA: '0' })).toBeUndefined();
    expect(configError(() => resolveCredentials({ ...base(), DBSS_USE_ECS_METADATA: 'yes' })).variable).toBe(
      'DBSS_USE_ECS_METADATA',
    );
    expect(configError(() => resolveCredentials({ ...base(), DBSS_METADATA_ENDPOINT: 'nope' })).variable).toBe(
      'DBSS_METADATA_ENDPOINT',
    );
  });

  it('a present but incomplete source is an error naming it, never a fall-through', () => {
    writeProfile(basicProfile);
    expect(configError(() => DbssClient.fromEnv({ ...base(), HUAWEICLOUD_SDK_AK: DEMO_AK })).variable).toBe(
      'HUAWEICLOUD_SDK_SK',
    );
    expect(
      configError(() => DbssClient.fromEnv({ ...base(), HUAWEICLOUD_SDK_SECURITY_TOKEN: 'sts-only' })).variable,
    ).toBe('HUAWEICLOUD_SDK_AK');
    expect(
      configError(() => DbssClient.fromEnv({ ...base(), HUAWEICLOUD_IAM_USER: 'u', HUAWEICLOUD_IAM_PASSWORD: 'p' }))
        .variable,
    ).toBe('HUAWEICLOUD_IAM_DOMAIN');
    // A broken profile stops the chain before metadata.
    writeProfile('[basic]\nak = x\n');
    const err = configError(() => DbssClient.fromEnv({ ...base(), ...metadata }));
    expect(err).toMatchObject({ key: 'sk', file: join(home, '.huaweicloud', 'credentials') });
  });

  it('says which source won in one debug line without a secret', () => {
    writeProfile(basicProfile);
    const lines: string[] = [];
    const logger = { debug: (m: string) => lines.push(m) };
    DbssClient.fromEnv({ ...base(), ...metadata }, { logger });
    DbssClient.fromEnv({ ...base(), ...aksk }, { logger });
    DbssClient.fromEnv({ ...base(), ...password }, { logger });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('profile');
    expect(lines[0]).toContain(join(home, '.huaweicloud', 'credentials'));
    expect(lines[1]).toContain('env:aksk');
    expect(lines[2]).toContain('env:password');
    for (const secret of [PROFILE_SK, DEMO_SK, 'pw-123456', PROFILE_AK, DEMO_AK])
      expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('the profile file', () => {
  const file = '/x/credentials';

  it('reads CRLF, comments, inline comments, quotes, a BOM and other sections', () => {
    const text = [
      '\uFEFF# Huawei Cloud credentials',
      '; another comment',
      '[global]',
      'ak = GLOBALAK',
      'sk = global-sk',
      '',
      '[ Basic ]',
      `ak=${PROFILE_AK}   # the access key`,
      `sk = "${PROFILE_SK}"`,
      `project_id = ${PROFILE_PROJECT} ; inline`,
      'domain_id = ignored',
      '',
    ].join('\r\n');
    expect(parseProfile(text, file)).toEqual({ ak: PROFILE_AK, sk: PROFILE_SK, projectId: PROFILE_PROJECT });
  });

  it.each([
    ['no [basic] section', '[global]\nak = a\nsk = b\n', '[basic]'],
    ['an empty file', '', '[basic]'],
    ['no sk', '[basic]\nak = a\n', 'sk'],
    ['an empty sk', '[basic]\nak = a\nsk =\n', 'sk'],
    ['no ak', '[basic]\nsk = b\n', 'ak'],
    ['a line that is not key = value', '[basic]\nak = a\nsk b\n', 'line 3'],
    ['a key before any section', 'ak = a\n[basic]\nsk = b\n', 'ak'],
    ['a bad project_id', '[basic]\nak = a\nsk = b\nproject_id = short\n', 'project_id'],
    ['a bad iam_endpoint', '[basic]\nak = a\nsk = b\niam_endpoint = ftp://x\n', 'iam_endpoint'],
  ])('%s is a DbssConfigError naming the file and the key', (_, text, key) => {
    const err = configError(() => parseProfile(text, file));
    expect(err).toMatchObject({ code: 'CONFIG_ERROR', file, key, variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE' });
    expect(err.message).toContain(file);
    expect(`${err.message}${JSON.stringify(err)}`).not.toContain('= b');
  });

  it('never puts the SK in an error', () => {
    const err = configError(() => parseProfile(`[basic]\nsk = ${PROFILE_SK}\n`, file));
    expect(err.key).toBe('ak');
    expect(`${err.message}${JSON.stringify(err)}${err.stack}`).not.toContain(PROFILE_SK);
  });

  it('a missing file at the default path is "not present"; one named by the variable is an error', () => {
    expect(readProfile({ HOME: home })).toBeUndefined();
    const missing = join(home, 'nope');
    const err = configError(() => readProfile({ HOME: home, HUAWEICLOUD_SDK_CREDENTIALS_FILE: missing }));
    expect(err).toMatchObject({ file: missing, variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE' });
  });

  it('an unreadable path (a directory) is an error naming the file', () => {
    mkdirSync(join(home, '.huaweicloud', 'credentials'), { recursive: true });
    const err = configError(() => DbssClient.fromEnv({ ...base() }));
    expect(err.file).toBe(join(home, '.huaweicloud', 'credentials'));
  });

  it('a file without read permission is an error naming the file', () => {
    const f = writeProfile(basicProfile);
    chmodSync(f, 0o000);
    if (process.getuid?.() !== 0) {
      expect(configError(() => readProfile({ HOME: home })).file).toBe(f);
      return;
    }
    // Root reads any file (CI containers run as root): the same read runs as user nobody, through the
    // built core, so the permission case is tested there too instead of being skipped. nobody may not
    // reach the clone (it can sit in a 0700 home), so core is bundled, with its dependencies, into the
    // temp dir (parents 0755 or sticky 1777), which nobody can reach.
    chmodSync(root, 0o711);
    const bundle = join(root, 'core.mjs');
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsup')).resolve('esbuild');
    const { buildSync } = createRequire(import.meta.url)(esbuild) as {
      buildSync(options: Record<string, unknown>): unknown;
    };
    buildSync({
      entryPoints: [join(import.meta.dirname, '../dist/index.js')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: bundle,
      // undici is CommonJS: its require() of node: modules needs a real require in an ES module.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    chmodSync(bundle, 0o644);
    const script = `const { readProfile } = await import(process.argv[1]);
      try { readProfile({ HOME: process.argv[2] }); console.log('{}'); }
      catch (e) { console.log(JSON.stringify({ name: e.name, file: e.file, variable: e.variable })); }`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(bundle).href, home], {
      uid: 65534,
      gid: 65534,
      cwd: root,
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      name: 'DbssConfigError',
      file: f,
      variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE',
    });
  });
});
