// ECS instance metadata (OpenStack style), as a credential chain reads it:
//   PUT /meta-data/latest/api/token      → a session token (text) for X-Metadata-Token (metadata v2),
//                                           living X-Metadata-Token-Ttl-Seconds (1-21600)
//   GET /openstack/latest/securitykey    → a fresh temporary AK/SK + security token
//   GET /openstack/latest/meta_data.json → the instance's project and region
// With `tokenMode: 'required'` the GETs need a valid X-Metadata-Token (else 401); 'optional' (the
// default, as on an ECS that still allows v1) serves them either way, but a token that is sent must be valid.
import { randomBytes } from 'node:crypto';
import type { Answer } from '../answer.js';
import type { CredentialStore, ProjectScope } from '../credentials.js';
import { DEMO_PROJECT_ID, DEMO_REGION } from '../data.js';
import type { Exchange, Route } from './route.js';

export const METADATA_PATHS = {
  token: '/meta-data/latest/api/token',
  securityKey: '/openstack/latest/securitykey',
  metaData: '/openstack/latest/meta_data.json',
} as const;

/** Whether securitykey and meta_data.json need an X-Metadata-Token. */
export type MetadataTokenMode = 'optional' | 'required';

/** Longest session token life the PUT grants, in seconds (6 h, what the official SDKs ask for). */
export const MAX_METADATA_TOKEN_TTL_SECONDS = 21_600;

interface MetadataDeps {
  store: CredentialStore;
  /** Lifetime of each temporary credential. */
  ttlMs: number;
  /** What the temporary credentials may read. */
  projects: ProjectScope;
  tokenMode: MetadataTokenMode;
  now: () => number;
}

const text = (status: number, body: string): Answer => ({
  status,
  body,
  headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
});

/** Session tokens of the PUT route; expired ones are dropped as they are met. */
class SessionTokens {
  private readonly tokens = new Map<string, number>();
  constructor(private readonly now: () => number) {}
  issue(ttlSeconds: number): string {
    if (this.tokens.size > 10_000) this.tokens.clear();
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, this.now() + ttlSeconds * 1000);
    return token;
  }
  valid(token: string): boolean {
    const expires = this.tokens.get(token);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.tokens.delete(token);
      return false;
    }
    return true;
  }
}

/** PUT /meta-data/latest/api/token: its own route, so faults can aim at it (`route: 'metadata-token'`). */
function metadataTokenRoute(tokens: SessionTokens): Route {
  return {
    name: 'metadata-token',
    match: (method, path) => (method === 'PUT' && path === METADATA_PATHS.token ? {} : undefined),
    answer(x) {
      const raw = x.req.headers['x-metadata-token-ttl-seconds'];
      const ttl = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
      if (!(ttl >= 1 && ttl <= MAX_METADATA_TOKEN_TTL_SECONDS)) {
        return text(400, `X-Metadata-Token-Ttl-Seconds must be 1 to ${MAX_METADATA_TOKEN_TTL_SECONDS}`);
      }
      const answer = text(200, tokens.issue(ttl));
      return { ...answer, headers: { ...answer.headers, 'X-Metadata-Token-Ttl-Seconds': String(ttl) } };
    },
  };
}

/** The metadata routes: the token PUT and the GETs it guards. */
export function metadataRoutes(deps: MetadataDeps): Route[] {
  const tokens = new SessionTokens(deps.now);
  const securityKey = (): Answer => {
    const c = deps.store.issueTemporary(deps.ttlMs, deps.projects);
    const credential = {
      access: c.access,
      secret: c.secret,
      securitytoken: c.securitytoken,
      expires_at: new Date(c.expiresAt).toISOString(),
    };
    return { status: 200, body: JSON.stringify({ credential }) };
  };
  const metaData = (): Answer => ({
    status: 200,
    body: JSON.stringify({
      uuid: '6f1c2b1e-8d3a-4c55-9a0e-3b7f2d9c4e10',
      name: 'dbss-emulator-ecs',
      hostname: 'dbss-emulator-ecs',
      availability_zone: `${DEMO_REGION}a`,
      region_id: DEMO_REGION,
      project_id: DEMO_PROJECT_ID,
      meta: {},
    }),
  });
  /** 401 unless the token rules let this GET through. */
  const refused = (x: Exchange): Answer | undefined => {
    const sent = x.req.headers['x-metadata-token'];
    if (typeof sent === 'string' && sent !== '') {
      return tokens.valid(sent) ? undefined : text(401, 'X-Metadata-Token is not valid or has expired');
    }
    return deps.tokenMode === 'required'
      ? text(401, `X-Metadata-Token is required: PUT ${METADATA_PATHS.token} first`)
      : undefined;
  };
  const get: Route = {
    name: 'metadata',
    match(method, path) {
      return method === 'GET' && (path === METADATA_PATHS.securityKey || path === METADATA_PATHS.metaData)
        ? {}
        : undefined;
    },
    answer(x) {
      const no = refused(x);
      if (no) return no;
      return x.path === METADATA_PATHS.securityKey ? securityKey() : metaData();
    },
  };
  return [metadataTokenRoute(tokens), get];
}
