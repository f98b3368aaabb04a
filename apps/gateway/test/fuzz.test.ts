// Hostile requests against the real bin over raw sockets: the gateway never answers 5xx of its own,
// and no answer carries a stack trace or a file path.
import { connect } from 'node:net';
import { DEMO_TOKEN } from '@dbss-obs/emulator';
import { emulatorForFile } from '@dbss-obs/emulator/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, startGateway } from '../../../scripts/cluster.mjs';
import { BODIES, FUZZ_QUERY, INTROSPECTION_DOCUMENTS, OPERATION_TYPE_DOCUMENTS, PARAM_VALUES, prng } from './corpus.js';

const emu = emulatorForFile({ beforeAll, afterAll });
let gateway: GatewayProcess;
let port: number;

beforeAll(async () => {
  // NODE_ENV=development: Yoga would put the original error (and its stack) in answers if masking followed it.
  gateway = await startGateway({
    DBSS_ENDPOINT: emu.url,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'development',
    DBSS_MAX_RETRIES: '0',
    // Long enough for a loaded machine to answer in time; the timeout case holds its answer (below).
    DBSS_TIMEOUT_MS: '3000',
  });
  port = Number(new URL(gateway.url).port);
});
afterAll(() => gateway?.stop());

interface RawAnswer {
  status: number;
  text: string;
}

/** True once `data` holds one complete HTTP response (streamed answers keep the connection open). */
function complete(data: Buffer, head: boolean): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const headers = data.subarray(0, end).toString('latin1').toLowerCase();
  const body = data.length - end - 4;
  if (head || /^http\/1\.[01] (?:1\d\d|204|304)/.test(headers)) return true;
  const length = /\r\ncontent-length: *(\d+)/.exec(headers)?.[1];
  if (length !== undefined) return body >= Number(length);
  if (/\r\ntransfer-encoding: *chunked/.test(headers)) return data.subarray(end).includes('\r\n0\r\n\r\n');
  return false; // read until close
}

/** Sends bytes on a fresh connection and reads one answer (until it is complete, the server closes, or 3 s pass). */
/**
 * Sends one raw request and reads the answer. `idleMs`: a socket quiet this long is closed (status 0), so a
 * request the server waits on (an incomplete one) ends; a request that must be answered gets a longer one.
 */
function raw(request: string | Buffer, to = port, idleMs = 3000): Promise<RawAnswer> {
  const head = String(request).startsWith('HEAD ');
  return new Promise((resolve) => {
    const socket = connect(to, '127.0.0.1');
    let data = Buffer.alloc(0);
    let timedOut = false;
    const done = () => {
      const text = data.toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), text, timedOut } as RawAnswer);
    };
    socket.setTimeout(idleMs, () => {
      timedOut = true;
      socket.destroy();
    });
    socket.on('data', (d) => {
      data = Buffer.concat([data, d]);
      if (complete(data, head)) socket.destroy();
    });
    socket.on('close', done);
    socket.on('error', () => {});
    socket.write(request);
  });
}

const QUERY = FUZZ_QUERY;
/** The socket idle limit for requests that must be answered: a loaded machine may take seconds. */
const ANSWERED_MS = 15_000;
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/graphql+json',
  'application/graphql',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'application/json, text/plain',
  '',
];
const ACCEPTS = [
  '',
  '*/*',
  'application/json',
  'application/graphql-response+json',
  'text/event-stream',
  'multipart/mixed',
  'text/html',
  'garbage/;;;',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

function request(method: string, target: string, headers: Record<string, string>, body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body || method === 'POST') lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function hostileRequests(count: number): string[] {
  const rand = prng(10);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: string[] = [];
  const token = (): Record<string, string> => (rand() < 0.8 ? { 'X-Auth-Token': DEMO_TOKEN } : {});
  for (let i = 0; i < count; i++) {
    const accept = pick(ACCEPTS);
    const headers: Record<string, string> = { ...token(), ...(accept ? { Accept: accept } : {}) };
    if (rand() < 0.2) headers.Origin = pick(['http://localhost:3000', 'null', '*']);
    if (rand() < 0.1)
      headers.traceparent = pick(['00-xyz', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', '']);
    const path = rand() < 0.15 ? `http://127.0.0.1:${port}/graphql` : '/graphql';
    if (rand() < 0.5) {
      const params = new URLSearchParams();
      for (const name of ['query', 'variables', 'extensions', 'operationName']) {
        if (rand() < 0.6) params.append(name, pick(PARAM_VALUES));
      }
      let qs = params.toString();
      if (rand() < 0.2) qs += `&${pick(['extensions={', 'variables=%', 'query=%E0%A4%A', 'operationName[]=x'])}`;
      out.push(request(pick(['GET', 'GET', 'GET', ...METHODS]), `${path}?${qs}`, headers));
    } else {
      const type = pick(CONTENT_TYPES);
      if (type) headers['Content-Type'] = type;
      out.push(request(pick(['POST', 'POST', 'POST', ...METHODS]), path, headers, pick(BODIES)));
    }
  }
  return out;
}

/** Requests a client library would never send, but a socket can. */
function oddRequests(): (string | Buffer)[] {
  const h = `Host: 127.0.0.1:${port}\r\nConnection: close\r\nX-Auth-Token: ${DEMO_TOKEN}`;
  const body = JSON.stringify({ query: QUERY });
  return [
    // Absolute-form request targets (legal HTTP/1.1, what proxies send): served like origin-form.
    `POST http://127.0.0.1:${port}/graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    `GET http://127.0.0.1:${port}/graphql?query=${encodeURIComponent(QUERY)} HTTP/1.1\r\n${h}\r\nAccept: application/json\r\n\r\n`,
    `GET http://127.0.0.1:${port}/health HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET http://other.example/graphql?query={__typename} HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET HTTP://127.0.0.1:${port}/ready HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET ftp://127.0.0.1/graphql HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET http://[::1/graphql HTTP/1.1\r\n${h}\r\n\r\n`,
    `OPTIONS * HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET //graphql HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET graphql HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /graphql?query={__typename}&extensions={ HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /graphql?query={__typename}&variables={ HTTP/1.1\r\n${h}\r\nAccept: application/graphql-response+json\r\n\r\n`,
    `GET /graphql?query={__typename}#frag HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /graphql/../graphql?query={__typename} HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /graphiql-assets/..%2f..%2fpackage.json HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /graphql HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n`,
    `GET /graphql HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n`,
    `GET /graphql HTTP/1.1\r\nHost: x:99999999\r\nConnection: close\r\n\r\n`,
    `GET /graphql HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n`,
    `GET /graphql?query={__typename} HTTP/1.0\r\n\r\n`,
    `GET /graphql?query={__typename} HTTP/1.1\r\nConnection: close\r\n\r\n`,
    `BREW /graphql HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${h}\r\n\r\n`,
    `GET /graphql HTTP/1.1\r\n${h}\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"que\r\n0\r\n\r\n`,
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}`,
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}`,
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n${'{'.repeat(200_000)}`,
    Buffer.concat([
      Buffer.from(
        `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"query":"`,
      ),
      Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28]),
      Buffer.from('"}'),
    ]),
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nAuthorization: Bearer\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    `POST /graphql HTTP/1.1\r\n${h}\r\nContent-Type: application/json\r\nX-Request-Id: ${'../'.repeat(60)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    `\r\n\r\n\r\n`,
    `GET\r\n\r\n`,
    `POST /graphql HTTP/9.9\r\n${h}\r\n\r\n`,
  ];
}

const STACK_LINE = /\n\s+at /;
// Absolute paths of this machine or any Unix/Windows/file URL form.
const FILE_PATH =
  /(?:file:\/\/|[A-Za-z]:\\|(?:^|[\s"'(=])\/(?:home|root|usr|opt|tmp|var|work|app|srv|node_modules)\/|node_modules\/|\.(?:m|c)?js:\d+)/;

function check(answer: RawAnswer, what: string) {
  // 0: the server closed without a word (Node refuses some malformed HTTP that way): not a 5xx.
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.text, what).not.toMatch(STACK_LINE);
  expect(answer.text, what).not.toMatch(FILE_PATH);
  expect(answer.text, what).not.toContain(DEMO_TOKEN);
}

describe('hostile requests against the bin', () => {
  it('a few hundred random ones: no 5xx, no stack, no file path', async () => {
    const requests = hostileRequests(400);
    const statuses = new Map<number, number>();
    for (let i = 0; i < requests.length; i += 8) {
      const batch = requests.slice(i, i + 8);
      const answers = await Promise.all(batch.map((r) => raw(r)));
      answers.forEach((a, j) => {
        if (process.env.FUZZ_DEBUG && (a as RawAnswer & { timedOut?: boolean }).timedOut)
          console.log(
            'TIMEOUT',
            JSON.stringify((batch[j] as string).slice(0, 400)),
            JSON.stringify(a.text.slice(0, 300)),
          );
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        check(a, (batch[j] as string).slice(0, 300));
      });
    }
    // The fuzz reached the GraphQL layer and got answers of many kinds, not one refusal for everything.
    expect(statuses.get(200)).toBeGreaterThan(20);
    expect(statuses.get(400)).toBeGreaterThan(20);
    expect(statuses.size).toBeGreaterThanOrEqual(4);
  });

  it('odd HTTP on a raw socket: absolute-form targets served like origin-form, the rest refused with a 4xx', async () => {
    const odd = oddRequests();
    const answers = [];
    for (const r of odd) answers.push(await raw(r));
    for (const [i, a] of answers.entries()) check(a, String(odd[i]).slice(0, 200));
    // The absolute-form ones are answered as if they were origin-form.
    expect(answers[0]?.status).toBe(200);
    expect(answers[0]?.text).toContain('"obsBuckets":[{"bucketName"');
    expect(answers[1]?.status).toBe(200);
    expect(answers[1]?.text).toContain('"obsBuckets":[{"bucketName"');
    expect(answers[2]?.text).toMatch(/\r\n\r\nok\n$/);
    expect(answers[4]?.status).toBe(200);
    // Malformed JSON parameters in GET are a 400 with a GraphQL error naming the parameter.
    expect(answers[10]?.status).toBe(400);
    expect(answers[10]?.text).toContain('"extensions\\" parameter is not valid JSON');
    expect(answers[11]?.status).toBe(400);
    expect(answers[11]?.text).toContain('"variables\\" parameter is not valid JSON');
  });

  it('upstream failures in development mode: masked, no stack, no path', async () => {
    const body = JSON.stringify({ query: QUERY });
    const post = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\nX-Auth-Token: ${DEMO_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    for (const fault of [
      { nonJson: true },
      { malformedJson: true },
      { reset: true },
      { status: 500 },
      'held past DBSS_TIMEOUT_MS',
    ] as const) {
      if (typeof fault === 'string') emu.hold();
      else emu.fault(fault);
      const a = await raw(post, port, ANSWERED_MS);
      emu.clearFaults();
      emu.release();
      check(a, JSON.stringify(fault));
      expect(a.status).toBe(200);
      expect(a.text).toMatch(typeof fault === 'string' ? /"code":"UPSTREAM_TIMEOUT"/ : /"code":"UPSTREAM_[A-Z]+"/);
    }
    // And the bin is still healthy.
    expect((await raw(`GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).status).toBe(200);
  });
});

/** One document by every door and both result media types: plain POST, cross-origin POST, GET. */
function everyDoor(query: string, to: number): string[] {
  const body = JSON.stringify({ query });
  const out: string[] = [];
  for (const accept of ['application/json', 'application/graphql-response+json']) {
    const h = `Host: 127.0.0.1:${to}\r\nConnection: close\r\nX-Auth-Token: ${DEMO_TOKEN}\r\nAccept: ${accept}`;
    const post = `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    out.push(`POST /graphql HTTP/1.1\r\n${h}\r\n${post}`);
    out.push(`POST /graphql HTTP/1.1\r\n${h}\r\nOrigin: http://localhost:3000\r\n${post}`);
    out.push(`GET /graphql?${new URLSearchParams({ query })} HTTP/1.1\r\n${h}\r\n\r\n`);
  }
  return out;
}

describe('operation types and introspection against the bin', () => {
  it('mutation and subscription: a 400 GraphQL error at every door, GET included, never a 5xx', async () => {
    let gets = 0;
    for (const query of OPERATION_TYPE_DOCUMENTS) {
      for (const r of everyDoor(query, port)) {
        const a = await raw(r, port, ANSWERED_MS);
        check(a, r.slice(0, 200));
        if (r.startsWith('GET ')) gets++;
        // A GET mutation too: the schema has no mutation type, so it is refused as POST's is (not Yoga's 405).
        expect(a.status, r.slice(0, 200)).toBe(400);
        expect(a.text, r.slice(0, 200)).toContain('"code":"GRAPHQL_VALIDATION_FAILED"');
        expect(a.text, r.slice(0, 200)).toContain('operation is not supported by the schema');
      }
    }
    expect(gets).toBeGreaterThan(0);
  });

  it('introspection: answered in development, a 400 GraphQL error in production (unless GATEWAY_INTROSPECTION=1)', async () => {
    const production = await startGateway({ DBSS_ENDPOINT: emu.url, LOG_LEVEL: 'silent', NODE_ENV: 'production' });
    const allowed = await startGateway({
      DBSS_ENDPOINT: emu.url,
      LOG_LEVEL: 'silent',
      NODE_ENV: 'production',
      GATEWAY_INTROSPECTION: '1',
    });
    try {
      for (const query of INTROSPECTION_DOCUMENTS) {
        for (const [to, expected] of [
          [port, 200],
          [Number(new URL(production.url).port), 400],
          [Number(new URL(allowed.url).port), 200],
        ] as const) {
          for (const r of everyDoor(query, to)) {
            const a = await raw(r, to, ANSWERED_MS);
            check(a, r.slice(0, 200));
            expect(a.status, `${expected} ${r.slice(0, 200)}`).toBe(expected);
            if (expected === 400) expect(a.text).toContain('introspection has been disabled');
            else expect(a.text).toContain('"data":{');
          }
        }
      }
      // The random requests (their corpus holds introspection too) against production: no 5xx there either.
      const to = Number(new URL(production.url).port);
      for (const r of hostileRequests(80))
        check(await raw(r.replaceAll(`127.0.0.1:${port}`, `127.0.0.1:${to}`), to), r);
    } finally {
      await Promise.all([production.stop(), allowed.stop()]);
    }
  }, 60_000);
});
