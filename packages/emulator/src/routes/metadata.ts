// ECS instance metadata (OpenStack style), as a credential chain reads it:
//   GET /openstack/latest/securitykey    → a fresh temporary AK/SK + security token (no auth, as on an ECS)
//   GET /openstack/latest/meta_data.json → the instance's project and region
import type { Answer } from '../answer.js';
import type { CredentialStore, ProjectScope } from '../credentials.js';
import { DEMO_PROJECT_ID, DEMO_REGION } from '../data.js';
import type { Route } from './route.js';

export const METADATA_PATHS = {
  securityKey: '/openstack/latest/securitykey',
  metaData: '/openstack/latest/meta_data.json',
} as const;

interface MetadataDeps {
  store: CredentialStore;
  /** Lifetime of each temporary credential. */
  ttlMs: number;
  /** What the temporary credentials may read. */
  projects: ProjectScope;
}

export function metadataRoute(deps: MetadataDeps): Route {
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
  return {
    name: 'metadata',
    match(method, path) {
      return method === 'GET' && (path === METADATA_PATHS.securityKey || path === METADATA_PATHS.metaData)
        ? {}
        : undefined;
    },
    answer(x) {
      return x.path === METADATA_PATHS.securityKey ? securityKey() : metaData();
    },
  };
}
