// The credential chain of DbssClient.fromEnv, in the order of Huawei's official SDKs (their
// EnvCredentialProvider, ProfileCredentialProvider and MetadataCredentialProvider): the first source
// that is present wins; a source that is present but broken is an error naming it, never a fall-through.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DbssConfigError } from './errors.js';
import { httpUrl, isValidProjectId, parseHttpUrl } from './validate.js';

/** Environment variables as a plain object (`process.env`, or a test's own). */
export type Env = Record<string, string | undefined>;

/** How to authenticate. */
export type DbssAuth =
  /** An IAM token, sent as `X-Auth-Token`. */
  | { type: 'token'; token: string }
  /** AK/SK signing (SDK-HMAC-SHA256); `securityToken` for temporary keys. */
  | { type: 'aksk'; ak: string; sk: string; securityToken?: string }
  /** IAM password login (`POST {iam}/v3/auth/tokens`), token cached and renewed. */
  | { type: 'password'; user: string; password: string; domain: string; iamEndpoint?: string; projectName?: string }
  /**
   * Temporary AK/SK from the ECS metadata service (`GET {endpoint}/openstack/latest/securitykey`),
   * cached and renewed 5 minutes before they expire. Signs like `aksk`.
   */
  | { type: 'ecs-metadata'; endpoint?: string };

/** Where credentials came from. */
export type DbssCredentialSource = 'options' | 'env:token' | 'env:aksk' | 'env:password' | 'profile' | 'ecs-metadata';

/** The ECS metadata service of every Huawei Cloud instance; used only when DBSS_USE_ECS_METADATA=1. */
export const ECS_METADATA_ENDPOINT = 'http://169.254.169.254';

/** What a profile file's `[basic]` section holds (the official SDKs' format). */
export interface ProfileCredentials {
  ak: string;
  sk: string;
  securityToken?: string;
  projectId?: string;
  iamEndpoint?: string;
}

/** The winner of the chain. */
export interface ResolvedCredentials {
  auth: DbssAuth;
  source: DbssCredentialSource;
  /** Where exactly, for a debug line: variable names or a file path, never a value. */
  origin: string;
  /** From the profile file, when it won. */
  projectId?: string;
  /** From the profile file, when it won. */
  iamEndpoint?: string;
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function requireVar(env: Env, name: string, why: string): string {
  const v = value(env, name);
  if (!v) throw new DbssConfigError(`${name} is required ${why}.`, { variable: name });
  return v;
}

/**
 * Parses a profile file (INI). Sections in `[brackets]`; `key = value` lines; `#` and `;` start a
 * comment (also after a value, when preceded by a space); CRLF and a BOM are fine; values may be quoted.
 * Throws DbssConfigError naming `file` and the `key` that is wrong or missing.
 * @returns the `[basic]` section's credentials
 */
export function parseProfile(text: string, file: string): ProfileCredentials {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      const name = (section[1] as string).toLowerCase();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new DbssConfigError(`${file}: line ${i + 1} is neither [section] nor key = value.`, {
        variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE',
        file,
        key: `line ${i + 1}`,
      });
    }
    const key = line.slice(0, eq).trim().toLowerCase();
    let v = line
      .slice(eq + 1)
      .replace(/\s[#;].*$/, '')
      .trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) v = v.slice(1, -1);
    if (!current) {
      throw new DbssConfigError(`${file}: "${key}" (line ${i + 1}) comes before any [section]; put it under [basic].`, {
        variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE',
        file,
        key,
      });
    }
    current.set(key, v);
  }
  const basic = sections.get('basic');
  const fail = (key: string, why: string): never => {
    throw new DbssConfigError(`${file}: ${why}`, { variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE', file, key });
  };
  if (!basic) return fail('[basic]', 'has no [basic] section; add one with ak = … and sk = ….');
  const get = (k: string) => basic.get(k) || undefined;
  const ak = get('ak') ?? fail('ak', '[basic] has no ak; set ak = <your access key id>.');
  const sk = get('sk') ?? fail('sk', '[basic] has no sk; set sk = <your secret access key>.');
  const out: ProfileCredentials = { ak, sk };
  const securityToken = get('security_token');
  if (securityToken) out.securityToken = securityToken;
  const projectId = get('project_id');
  if (projectId) {
    if (!isValidProjectId(projectId)) fail('project_id', '[basic] project_id must be 32 to 64 letters and digits.');
    out.projectId = projectId;
  }
  const iamEndpoint = get('iam_endpoint');
  if (iamEndpoint) {
    if (!httpUrl(iamEndpoint)) fail('iam_endpoint', '[basic] iam_endpoint must be an http:// or https:// URL.');
    out.iamEndpoint = iamEndpoint;
  }
  return out;
}

/**
 * The profile file's path: `HUAWEICLOUD_SDK_CREDENTIALS_FILE`, else `~/.huaweicloud/credentials`.
 * @default home is `HOME` (or `USERPROFILE`) of `env`, else the OS's
 */
export function profilePath(env: Env): { file: string; explicit: boolean } {
  const explicit = value(env, 'HUAWEICLOUD_SDK_CREDENTIALS_FILE');
  if (explicit) return { file: explicit, explicit: true };
  const home = value(env, 'HOME') ?? value(env, 'USERPROFILE') ?? homedir();
  return { file: join(home, '.huaweicloud', 'credentials'), explicit: false };
}

/**
 * Reads the profile file. A default-path file that does not exist is "not present" (undefined); a file
 * named by HUAWEICLOUD_SDK_CREDENTIALS_FILE must exist. Unreadable or malformed: DbssConfigError.
 */
export function readProfile(env: Env): { file: string; credentials: ProfileCredentials } | undefined {
  const { file, explicit } = profilePath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    const why =
      code === 'ENOENT'
        ? 'does not exist; fix HUAWEICLOUD_SDK_CREDENTIALS_FILE or create the file.'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read (permission denied); chmod 600 it for your user.'
          : code === 'EISDIR'
            ? 'is a directory, not a file.'
            : `cannot be read (${code ?? 'unknown error'}).`;
    throw new DbssConfigError(`Credentials file ${file} ${why}`, {
      variable: 'HUAWEICLOUD_SDK_CREDENTIALS_FILE',
      file,
    });
  }
  return { file, credentials: parseProfile(text, file) };
}

/**
 * The ECS metadata base URL when enabled: `DBSS_METADATA_ENDPOINT`, or the instance's own service
 * when `DBSS_USE_ECS_METADATA=1`. @default undefined (never contacted unless enabled)
 */
export function metadataEndpointFromEnv(env: Env): string | undefined {
  const endpoint = value(env, 'DBSS_METADATA_ENDPOINT');
  if (endpoint) return parseHttpUrl(endpoint, 'DBSS_METADATA_ENDPOINT').href;
  const use = value(env, 'DBSS_USE_ECS_METADATA');
  if (use === undefined || use === '0' || use.toLowerCase() === 'false') return undefined;
  if (use === '1' || use.toLowerCase() === 'true') return `${ECS_METADATA_ENDPOINT}/`;
  throw new DbssConfigError(`DBSS_USE_ECS_METADATA must be 1 or 0 (got "${use.slice(0, 20)}").`, {
    variable: 'DBSS_USE_ECS_METADATA',
  });
}

/**
 * Walks the credential chain over `env`:
 * 1. `explicit` (the `auth` option), 2. HUAWEICLOUD_AUTH_TOKEN, 3. HUAWEICLOUD_SDK_AK + _SK
 * (+ _SECURITY_TOKEN), 4. HUAWEICLOUD_IAM_USER + _PASSWORD + _DOMAIN, 5. the profile file,
 * 6. ECS metadata (only when enabled). The first present source wins; a present but incomplete or
 * broken one throws DbssConfigError naming it.
 * @returns undefined when no source is present
 */
export function resolveCredentials(env: Env, explicit?: DbssAuth): ResolvedCredentials | undefined {
  if (explicit) return { auth: explicit, source: 'options', origin: 'the auth option' };
  const token = value(env, 'HUAWEICLOUD_AUTH_TOKEN');
  if (token) return { auth: { type: 'token', token }, source: 'env:token', origin: 'HUAWEICLOUD_AUTH_TOKEN' };

  const securityToken = value(env, 'HUAWEICLOUD_SDK_SECURITY_TOKEN');
  if (value(env, 'HUAWEICLOUD_SDK_AK') || value(env, 'HUAWEICLOUD_SDK_SK') || securityToken) {
    const ak = requireVar(env, 'HUAWEICLOUD_SDK_AK', 'with HUAWEICLOUD_SDK_SK');
    const sk = requireVar(env, 'HUAWEICLOUD_SDK_SK', 'with HUAWEICLOUD_SDK_AK');
    return {
      auth: securityToken ? { type: 'aksk', ak, sk, securityToken } : { type: 'aksk', ak, sk },
      source: 'env:aksk',
      origin: securityToken
        ? 'HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN'
        : 'HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK',
    };
  }

  if (
    value(env, 'HUAWEICLOUD_IAM_USER') ||
    value(env, 'HUAWEICLOUD_IAM_PASSWORD') ||
    value(env, 'HUAWEICLOUD_IAM_DOMAIN')
  ) {
    const why = 'for IAM password login (with HUAWEICLOUD_IAM_USER, _PASSWORD and _DOMAIN)';
    const user = requireVar(env, 'HUAWEICLOUD_IAM_USER', why);
    const password = requireVar(env, 'HUAWEICLOUD_IAM_PASSWORD', why);
    const domain = requireVar(env, 'HUAWEICLOUD_IAM_DOMAIN', why);
    const iamEndpoint = value(env, 'HUAWEICLOUD_SDK_IAM_ENDPOINT');
    return {
      auth: { type: 'password', user, password, domain, ...(iamEndpoint ? { iamEndpoint } : {}) },
      source: 'env:password',
      origin: 'HUAWEICLOUD_IAM_USER, HUAWEICLOUD_IAM_PASSWORD, HUAWEICLOUD_IAM_DOMAIN',
    };
  }

  const profile = readProfile(env);
  if (profile) {
    const { ak, sk, securityToken, projectId, iamEndpoint } = profile.credentials;
    const found: ResolvedCredentials = {
      auth: securityToken ? { type: 'aksk', ak, sk, securityToken } : { type: 'aksk', ak, sk },
      source: 'profile',
      origin: profile.file,
    };
    if (projectId) found.projectId = projectId;
    if (iamEndpoint) found.iamEndpoint = iamEndpoint;
    return found;
  }

  const metadata = metadataEndpointFromEnv(env);
  if (metadata) return { auth: { type: 'ecs-metadata', endpoint: metadata }, source: 'ecs-metadata', origin: metadata };
  return undefined;
}
