// The buffered door for the common request (a plain JSON POST to /graphql): it skips Yoga's HTTP
// handling (Request/Response objects, body streams, content negotiation), not its pipeline. The
// parameters go to `yoga.getResultForParams`, which runs Yoga's onParams hooks, the Envelop chain
// (parse and validate caches, context, execute, every plugin's hooks, Yoga's error masking) and
// onExecutionResult; Yoga's own result processor turns the result into the answer. Anything this
// door does not take goes to Yoga's door, which answers exactly as Yoga does.
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import { maskError, processRegularResult } from 'graphql-yoga';
import type { ServerContext } from './context.js';
import type { Gateway } from './yoga.js';

/** Larger bodies stream through Yoga's door (which enforces its own size limit). */
export const FAST_DOOR_MAX_BODY = 64 * 1024;

const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;
const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);

export interface FastAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface FastDoor {
  /** True for a POST to /graphql with a JSON body of known length whose answer is plain JSON (no CORS). */
  eligible(req: IncomingMessage): boolean;
  /** The answer, or undefined when the body is not the plain shape this door takes (Yoga's door then serves it). */
  answer(body: Buffer, req: IncomingMessage, ctx: ServerContext): Promise<FastAnswer | undefined>;
}

type Params = { query: string; variables?: Record<string, unknown>; operationName?: string; extensions?: object };

/** The plain shape, or undefined: everything else (errors included) is Yoga's door's to answer. */
function plainParams(body: Buffer): Params | undefined {
  let params: unknown;
  try {
    params = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!params || typeof params !== 'object' || Array.isArray(params)) return undefined;
  const p = params as Record<string, unknown>;
  for (const key in p) if (!PARAM_NAMES.has(key)) return undefined;
  const isObject = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));
  if (typeof p.query !== 'string' || !isObject(p.variables) || !isObject(p.extensions)) return undefined;
  if (p.operationName !== undefined && p.operationName !== null && typeof p.operationName !== 'string')
    return undefined;
  return params as Params;
}

export function createFastDoor(gateway: Gateway): FastDoor {
  const { yoga } = gateway;
  return {
    eligible(req) {
      if (req.method !== 'POST' || req.url !== '/graphql' || req.headers.origin) return false;
      const length = Number(req.headers['content-length']);
      if (!(length > 0 && length <= FAST_DOOR_MAX_BODY)) return false;
      const type = req.headers['content-type'];
      if (!type || !JSON_TYPE.test(type)) return false;
      // Yoga answers these with application/json (status by its rules): so does processRegularResult below.
      const accept = req.headers.accept;
      return accept === undefined || accept === '*/*' || accept === 'application/json';
    },
    async answer(body, req, ctx) {
      const params = plainParams(body);
      if (!params) return undefined;
      // A Request over the Node headers (read lazily): what plugins see as `context.request`.
      const request = new yoga.fetchAPI.Request(`http://localhost${req.url}`, {
        method: 'POST',
        headers: req.headers as Record<string, string>,
      });
      let result: Awaited<ReturnType<typeof yoga.getResultForParams>>;
      try {
        result = await yoga.getResultForParams({ params, request }, ctx);
      } catch (err) {
        // A hook refused the request (an onParams check): answered as Yoga's door answers it, with
        // Yoga's mask function (a GraphQL error raised on purpose keeps its message and HTTP status).
        result = { errors: [maskError(err, 'Unexpected error.', false) as GraphQLError] };
      }
      const response = await processRegularResult(
        result as Parameters<typeof processRegularResult>[0],
        yoga.fetchAPI,
        'application/json',
      );
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? 'application/json; charset=utf-8',
        body: await response.text(),
      };
    },
  };
}
