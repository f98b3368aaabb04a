// An IAM password login (POST /v3/auth/tokens) as the official SDKs and `openstack token issue` send it.
import { DEMO_USER, IAM_PATHS } from '../../src/index.js';

/** Logs the demo user in to `scope` (a project by id or name) on the emulator at `base`. */
export const login = (base: string, scope: { id?: string; name?: string }, password: string = DEMO_USER.password) =>
  fetch(base + IAM_PATHS.tokens, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: DEMO_USER.name, password, domain: { name: DEMO_USER.domain } } },
        },
        scope: { project: scope },
      },
    }),
  });
