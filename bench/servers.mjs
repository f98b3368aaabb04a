// Child processes for the gateway bench. `node servers.mjs <kind> <upstream-url>` prints "listening on URL".
//   upstream     the emulator with BENCH_TOKENS bench tokens (bench-token-0 …, default 10,000)
//   raw-proxy    plain node:http: forwards the call with fetch, maps the body; no GraphQL (one Node hop)
//   raw-proxy-http  the same, forwarding with node:http and a keep-alive agent (the lower floor)
//   yoga-minimal a minimal Yoga server whose resolver is a hand-written fetch
//   gateway      @dbss-obs/gateway in process (logs at info to /dev/null, metrics on); bench/gateway.mjs runs the real bin
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// Dependencies of the gateway package, resolved from there (the bench lives at the root).
const fromGateway = (name) =>
  import(pathToFileURL(createRequire(new URL('../apps/gateway/package.json', import.meta.url)).resolve(name)).href);

const [kind, upstream] = process.argv.slice(2);
// Exit cleanly on SIGINT so a --cpu-prof run writes its profile.
process.on('SIGINT', () => process.exit(0));
const listen = (server) =>
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
  });
const path = (projectId) => `${upstream}/v2/${projectId}/audit/backup/obs-buckets`;

if (kind === 'upstream') {
  const { startEmulator } = await import('../packages/emulator/dist/index.js');
  // A pool of distinct callers (bench-token-0 … bench-token-{BENCH_TOKENS-1}, default 10,000) so a load can
  // send a different token with every request and nothing can be coalesced.
  const count = Number(process.env.BENCH_TOKENS ?? 10_000);
  const tokens = Object.fromEntries(Array.from({ length: count }, (_, i) => [`bench-token-${i}`, { projects: '*' }]));
  const emu = await startEmulator({ tokens, recordLimit: 100 });
  process.stdout.write(`listening on ${emu.url}\n`);
} else if (kind === 'raw-proxy') {
  listen(
    createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const { variables } = JSON.parse(Buffer.concat(chunks).toString());
      const r = await fetch(path(variables.projectId), { headers: { 'X-Auth-Token': req.headers['x-auth-token'] } });
      const body = await r.json();
      const data = { obsBuckets: body.obs_list.map((b) => ({ bucketName: b.bucket_name, location: b.location })) };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ data }));
    }),
  );
} else if (kind === 'raw-proxy-http') {
  // The same, forwarding with node:http and a keep-alive agent (what core uses by default).
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true });
  listen(
    createServer(async (req, res) => {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const { variables } = JSON.parse(Buffer.concat(chunks).toString());
      http.get(path(variables.projectId), { agent, headers: { 'X-Auth-Token': req.headers['x-auth-token'] } }, (up) => {
        const parts = [];
        up.on('data', (c) => parts.push(c));
        up.on('end', () => {
          const body = JSON.parse(Buffer.concat(parts).toString());
          const data = { obsBuckets: body.obs_list.map((b) => ({ bucketName: b.bucket_name, location: b.location })) };
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ data }));
        });
      });
    }),
  );
} else if (kind === 'yoga-minimal') {
  const { createSchema, createYoga } = await fromGateway('graphql-yoga');
  const yoga = createYoga({
    logging: false,
    schema: createSchema({
      typeDefs:
        'type Query { obsBuckets(projectId: ID!, region: String): [ObsBucket!]! } type ObsBucket { bucketName: String! location: String! }',
      resolvers: {
        Query: {
          obsBuckets: async (_, { projectId }, { request }) => {
            const r = await fetch(path(projectId), {
              headers: { 'X-Auth-Token': request.headers.get('x-auth-token') },
            });
            const body = await r.json();
            return body.obs_list.map((b) => ({ bucketName: b.bucket_name, location: b.location }));
          },
        },
      },
    }),
  });
  listen(createServer(yoga));
} else if (kind === 'gateway') {
  const { createGateway, startGatewayServer } = await import('../apps/gateway/dist/index.js');
  const { pino } = await fromGateway('pino');
  const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const server = await startGatewayServer(createGateway({ endpoint: upstream, graphiql: false, logger }), {
    port: 0,
    logger,
  });
  process.stdout.write(`listening on ${server.url}\n`);
} else {
  throw new Error(`unknown kind ${kind}`);
}
