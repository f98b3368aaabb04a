// Every credential the emulator accepts: tokens, permanent AK/SK pairs, temporary AK/SK + security
// token (issued by the metadata route), and IAM users for password login. Lookups are Map gets, so a
// pool of 10,000+ tokens costs nothing per request.
import { randomBytes } from 'node:crypto';

/** What a credential may read: project ids, or '*' for all. */
export type ProjectScope = readonly string[] | '*';

export interface Principal {
  /** Projects this principal may read; '*' for all. */
  projects: ProjectScope;
  name?: string;
}

export interface EmulatorUser {
  name: string;
  password: string;
  domain: string;
  projects?: ProjectScope;
}

export interface AccessKey {
  ak: string;
  sk: string;
  projects: ProjectScope;
  /** Set for a temporary key: the X-Security-Token it must travel with, and when it stops working. */
  temporary?: { securityToken: string; expiresAt: number };
}

/** A temporary credential as the ECS metadata route hands it out. */
export interface TemporaryCredential {
  access: string;
  secret: string;
  securitytoken: string;
  /** Epoch ms. */
  expiresAt: number;
}

interface TokenEntry extends Principal {
  expiresAt: number;
}

const ALNUM_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] as number) % alphabet.length];
  return out;
}

export class CredentialStore {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly keys = new Map<string, AccessKey>();
  private issued = 0;

  constructor(
    private readonly now: () => number,
    readonly users: readonly EmulatorUser[],
    /** Projects a login, an issued token or a temporary key may read when not told otherwise. */
    readonly defaultProjects: ProjectScope,
  ) {}

  addToken(token: string, principal: Principal, expiresAt = Number.POSITIVE_INFINITY): void {
    this.tokens.set(token, { ...principal, expiresAt });
  }

  issueToken(projects: ProjectScope, ttlMs: number): { token: string; expiresAt: number } {
    const token = `MIIemu${randomBytes(24).toString('base64url')}`;
    const expiresAt = this.now() + ttlMs;
    this.tokens.set(token, { projects, expiresAt });
    return { token, expiresAt };
  }

  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  /** The principal behind a token that is known and not expired. */
  token(token: string): Principal | undefined {
    const entry = this.tokens.get(token);
    return entry && entry.expiresAt > this.now() ? entry : undefined;
  }

  addKey(ak: string, sk: string, projects: ProjectScope): void {
    this.keys.set(ak, { ak, sk, projects });
  }

  key(ak: string): AccessKey | undefined {
    return this.keys.get(ak);
  }

  /** A new temporary AK/SK + security token, shaped like IAM's (20-character AK, 40-character SK). */
  issueTemporary(ttlMs: number, projects: ProjectScope = this.defaultProjects): TemporaryCredential {
    const t = this.now();
    // Now and then forget keys that expired long ago (an expired key is refused either way); a sweep
    // every 1,024 issues keeps a metadata-hammering bench from paying O(keys) per call.
    if (++this.issued % 1024 === 0) {
      for (const [ak, k] of this.keys) if (k.temporary && k.temporary.expiresAt < t - ttlMs) this.keys.delete(ak);
    }
    const cred: TemporaryCredential = {
      access: randomFrom(ALNUM_UPPER, 20),
      secret: randomBytes(30).toString('base64url'),
      securitytoken: `gQpjbi1ub3J0aC00${randomBytes(192).toString('base64url')}`,
      expiresAt: t + ttlMs,
    };
    this.keys.set(cred.access, {
      ak: cred.access,
      sk: cred.secret,
      projects,
      temporary: { securityToken: cred.securitytoken, expiresAt: cred.expiresAt },
    });
    return cred;
  }

  user(name: string | undefined, domain: string | undefined): EmulatorUser | undefined {
    return this.users.find((u) => u.name === name && u.domain === domain);
  }
}
