// Three gateway processes on a Sentinel-guarded Redis (1 master, 1 replica, 3 sentinels): the burst
// still makes one call, and the master SIGKILLed under load costs no request.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { roleOf, type SentinelGroup, startSentinels } from '../../../../scripts/cluster.mjs';
import { type Fleet, projectId, startFleet } from './harness.js';
import { burstMakesOneCall, failoverUnderLoad, STORE_ENV } from './topologies-cases.js';

const P = { burst: projectId(201), load: [projectId(202), projectId(203)], after: projectId(204) };
const TOKEN = 'MIIsentinel-token-shared-by-many-callers-1';
const LOAD = Array.from({ length: 6 }, (_, i) => `MIIsentinel-load-token-${i}-abcdefghijkl`);

describe('fleet on Sentinel (1 master, 1 replica, 3 sentinels)', () => {
  let group: SentinelGroup;
  let fleet: Fleet;

  beforeAll(async () => {
    // No skip: without redis-server (and redis-cli) this fails, saying how to install it.
    group = await startSentinels({ replicas: 1, sentinels: 3, downAfterMs: 1000 });
    fleet = await startFleet({
      redis: false,
      tokens: { [TOKEN]: { projects: '*' }, ...Object.fromEntries(LOAD.map((t) => [t, { projects: '*' as const }])) },
      projects: [P.burst, ...P.load, P.after],
      env: { ...STORE_ENV, ...group.env },
    });
  }, 90_000);
  afterAll(async () => {
    await fleet?.close();
    await group?.kill('SIGKILL');
  });

  it('300 identical concurrent queries over 3 replicas make exactly 1 upstream call', async () => {
    await burstMakesOneCall(fleet, TOKEN, P.burst);
  }, 60_000);

  it('the master is SIGKILLed during a 10 s load: 0 failed requests, sharing back within 15 s of the promotion', async () => {
    const successor = group.replicas[0]!.port;
    const r = await failoverUnderLoad(fleet, {
      tokens: LOAD,
      projects: P.load,
      after: P.after,
      kill: () => group.master.kill('SIGKILL'),
      // The replica is master and the sentinels say so (what the gateway asks them).
      promoted: async () => (await roleOf(successor)) === 'master' && (await group.currentMaster()) === successor,
      withinMs: 15_000,
    });
    process.stderr.write(`sentinel failover: ${JSON.stringify(r)}\n`);
  }, 90_000);
});
