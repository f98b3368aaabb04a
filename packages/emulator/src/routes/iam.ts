// IAM (Keystone v3), as much as project discovery and password login need:
//   POST /v3/auth/tokens          password login → X-Subject-Token (201), body token.project/expires_at
//   GET  /v3/projects?name=R      AK/SK-signed or token → {"projects":[…]} of the account, by name
//   GET  /v3/auth/projects        token (or AK/SK) → the projects the caller may use
import { type Answer, badSignature, iamError } from '../answer.js';
import { type AuthSettings, authenticate } from '../auth.js';
import type { CredentialStore } from '../credentials.js';
import { DEMO_DOMAIN_ID } from '../data.js';
import type { IamProject, ProjectStore } from '../projects.js';
import type { Exchange, Route } from './route.js';

export const IAM_PATHS = {
  tokens: '/v3/auth/tokens',
  projects: '/v3/projects',
  authProjects: '/v3/auth/projects',
} as const;

interface IamDeps {
  projects: ProjectStore;
  store: CredentialStore;
  auth: AuthSettings;
  /** Lifetime of a token from password login. */
  tokenTtlMs: number;
  now: () => number;
}

const UNAUTHENTICATED = 'The request you have made requires authentication.';

function bad(message: string): Answer {
  return { status: 400, body: iamError(400, message) };
}

export function iamRoute(deps: IamDeps): Route {
  const { projects, store } = deps;

  function listing(list: IamProject[], x: Exchange, path: string): Answer {
    const self = `${path}${x.query.size ? `?${x.query}` : ''}`;
    return { status: 200, body: JSON.stringify({ projects: list, links: { self, previous: null, next: null } }) };
  }

  function callerProjects(x: Exchange): IamProject[] | Answer {
    const who = authenticate(x.req, x.body, deps.auth);
    if (who.ok) {
      const scope = who.principal.projects;
      return scope === '*' ? projects.all() : scope.map((id) => projects.project(id));
    }
    return who.kind === 'signature'
      ? badSignature(who.reason, x.requestId)
      : { status: 401, body: iamError(401, UNAUTHENTICATED) };
  }

  function listProjects(x: Exchange): Answer {
    const who = callerProjects(x);
    if (!Array.isArray(who)) return who;
    // Keystone lists the whole account's projects (not only the caller's), filtered by the query.
    const name = x.query.get('name');
    const domainId = x.query.get('domain_id');
    const list = projects
      .all()
      .filter((p) => (name === null || p.name === name) && (domainId === null || p.domain_id === domainId));
    return listing(list, x, IAM_PATHS.projects);
  }

  function authProjects(x: Exchange): Answer {
    const who = callerProjects(x);
    return Array.isArray(who) ? listing(who, x, IAM_PATHS.authProjects) : who;
  }

  function login(x: Exchange): Answer {
    let parsed: {
      auth?: {
        identity?: {
          methods?: string[];
          password?: { user?: { name?: string; password?: string; domain?: { name?: string } } };
        };
        scope?: { project?: { id?: string; name?: string } };
      };
    };
    try {
      parsed = JSON.parse(x.body.toString('utf8'));
    } catch {
      return bad('The request body is not JSON.');
    }
    const u = parsed?.auth?.identity?.password?.user;
    if (!parsed?.auth?.identity?.methods?.includes('password') || !u)
      return bad('Only the password method is emulated.');
    const user = store.user(u.name, u.domain?.name);
    if (!user || user.password !== u.password)
      return { status: 401, body: iamError(401, 'The username or password is wrong.') };
    const scope = parsed.auth.scope?.project;
    const projectId = scope?.id ?? (scope?.name === undefined ? undefined : projects.idByName(scope.name));
    if (!projectId) return bad('scope.project must name a known project by id or name.');
    const allowed = user.projects ?? store.defaultProjects;
    if (allowed !== '*' && !allowed.includes(projectId))
      return { status: 401, body: iamError(401, 'The user has no role in the requested project.') };
    const { token, expiresAt } = store.issueToken([projectId], deps.tokenTtlMs);
    const project = projects.project(projectId);
    const body = JSON.stringify({
      token: {
        methods: ['password'],
        expires_at: new Date(expiresAt).toISOString(),
        issued_at: new Date(deps.now()).toISOString(),
        user: { name: user.name, domain: { id: DEMO_DOMAIN_ID, name: user.domain } },
        project: { id: project.id, name: project.name, domain: { id: DEMO_DOMAIN_ID, name: user.domain } },
        catalog: [],
        roles: [{ id: '0', name: 'op_service' }],
      },
    });
    return { status: 201, body, headers: { 'X-Subject-Token': token } };
  }

  return {
    name: 'iam',
    match(method, path) {
      if (method === 'POST' && path === IAM_PATHS.tokens) return {};
      if (method === 'GET' && (path === IAM_PATHS.projects || path === IAM_PATHS.authProjects)) return {};
      return undefined;
    },
    answer(x) {
      if (x.path === IAM_PATHS.tokens) return login(x);
      if (x.path === IAM_PATHS.projects) return listProjects(x);
      return authProjects(x);
    },
  };
}
