// DBSS ListAuditObsBuckets: GET /v2/{project_id}/audit/backup/obs-buckets.
import { randomBytes } from 'node:crypto';
import { type Answer, badSignature, dbssError } from '../answer.js';
import { type AuthSettings, authenticate } from '../auth.js';
import type { ProjectStore } from '../projects.js';
import { safeDecode } from '../verify.js';
import type { Exchange, Route } from './route.js';

const PATH = /^\/v2\/([^/?]*)\/audit\/backup\/obs-buckets$/;
const PROJECT_ID = /^[0-9a-fA-F]{32,64}$/;

export function listRoute(deps: { projects: ProjectStore; auth: AuthSettings }): Route {
  return {
    name: 'list',
    match(method, path) {
      const m = method === 'GET' ? PATH.exec(path) : null;
      return m ? { projectId: safeDecode(m[1] as string) } : undefined;
    },
    answer(x: Exchange): Answer {
      const who = authenticate(x.req, x.body, deps.auth);
      if (!who.ok) {
        return who.kind === 'signature'
          ? badSignature(who.reason, x.requestId)
          : { status: 401, body: dbssError('DBSS.10020100', 'Token authentication failed.') };
      }
      const projectId = x.projectId ?? '';
      if (!PROJECT_ID.test(projectId)) {
        return {
          status: 400,
          body: dbssError('DBSS.10000001', 'Invalid request: project_id must be 32 to 64 hexadecimal characters.', [
            { error_code: 'DBSS.10000001', error_msg: 'project_id is invalid' },
          ]),
        };
      }
      const { projects } = who.principal;
      const xp = x.req.headers['x-project-id'];
      const allowed = (projects === '*' || projects.includes(projectId)) && (xp === undefined || xp === projectId);
      const body = allowed ? deps.projects.listBody(projectId) : undefined;
      if (body === undefined) {
        return {
          status: 403,
          body: dbssError(
            'DBSS.10020403',
            'Permission denied: the caller may not read this project.',
            [{ error_code: 'DBSS.10020403', error_msg: 'no permission for dbss:audit:list on this project' }],
            randomBytes(48).toString('base64'),
          ),
        };
      }
      return { status: 200, body };
    },
  };
}
