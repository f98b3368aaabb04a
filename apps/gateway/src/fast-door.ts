// The buffered door for the common request (a plain JSON POST to /graphql): it skips Yoga's HTTP
// handling (Request/Response objects, body streams, content negotiation), not its pipeline. The
// parameters go to `yoga.getResultForParams`, which runs Yoga's onParams hooks, the Envelop chain
// (parse and validate caches, context, execute, every plugin's hooks, Yoga's error masking) and
// onExecutionResult; Yoga's own result processor turns the result into the answer. Anything this
// door does not take goes to Yoga's door, which answers exactly as Yoga does. The door is used only when
// no plugin needs Yoga's HTTP handling: decided once, at start (bufferedDoorBlocker below).
import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import { maskError, processRegularResult } from 'graphql-yoga';
import type { ServerContext } from './context.js';
import { type Gateway, MASKED_ERRORS } from './yoga.js';

/**
 * Yoga hooks that run only in Yoga's own HTTP handling (and Yoga's instrumentation, which wraps it): the
 * buffered door skips them, so a plugin that registers one sends every request through Yoga's door.
 */
export const HTTP_LEVEL_HOOKS = ['onRequest', 'onRequestParse', 'onResultProcess', 'onResponse', 'instrumentation'];

/**
 * Marks a plugin whose HTTP-level hooks change nothing for a request the buffered door takes, with the
 * reason; the both-doors tests (test/pipeline.test.ts) hold it to that. Only the gateway's own plugins.
 */
export const SAME_THROUGH_BUFFERED_DOOR = Symbol('dbss-obs.same-through-buffered-door');

/** The plugin that keeps the buffered door shut, and its HTTP-level hooks. */
export interface DoorBlocker {
  plugin: string;
  hooks: string[];
}

/**
 * The first plugin that needs Yoga's door, among the plugins Yoga resolved between the `first` and `last`
 * markers: the gateway's own and any passed in `plugins`, with every plugin they added (`addPlugin`).
 * Undefined when none does: the buffered door may run.
 */
export function bufferedDoorBlocker(resolved: readonly object[], first: object, last: object): DoorBlocker | undefined {
  const from = resolved.indexOf(first);
  const to = resolved.indexOf(last);
  if (from === -1 || to === -1) return { plugin: 'unknown (plugin list not found)', hooks: [] };
  for (let i = from + 1; i < to; i++) {
    const plugin = resolved[i] as Record<string | symbol, unknown>;
    if (plugin[SAME_THROUGH_BUFFERED_DOOR]) continue;
    const hooks = HTTP_LEVEL_HOOKS.filter((h) => plugin[h] !== undefined);
    if (hooks.length === 0) continue;
    const name = typeof plugin.name === 'string' ? plugin.name : `plugins[${i - from - 1}]`;
    return { plugin: name, hooks };
  }
  return undefined;
}

/** Larger bodies stream through Yoga's door (which enforces its own size limit). */
export const FAST_DOOR_MAX_BODY = 64 * 1024;

const JSON_TYPE = /^application\/json\s*(;\s*charset=utf-8\s*)?$/i;
const PARAM_NAMES = new Set(['query', 'variables', 'operationName', 'extensions']);

export interface FastAnswer {
  status: number;
  /** Every header of Yoga's Response (Content-Type, and e.g. Retry-After from an error's `extensions.http`). */
  headers: Record<string, string>;
  body: string;
}

export interface FastDoor {
  /**
   * The media type Yoga would answer with, for a POST to /graphql with a JSON body of known length, no
   * CORS and a common Accept header; undefined sends the request to Yoga's door.
   */
  eligible(req: IncomingMessage): ResultMediaType | undefined;
  /** The answer, or undefined when the body is not the plain shape this door takes (Yoga's door then serves it). */
  answer(
    body: Buffer,
    req: IncomingMessage,
    ctx: ServerContext,
    mediaType: ResultMediaType,
  ): Promise<FastAnswer | undefined>;
}

export type ResultMediaType = 'application/graphql-response+json' | 'application/json';

/** What Yoga's regular result processor offers, in the order its loop tries them. */
const RESULT_TYPES: readonly ResultMediaType[] = ['application/graphql-response+json', 'application/json'];
/** Media ranges a GraphQL client sends; an Accept naming anything else is Yoga's door's to negotiate. */
const COMMON_RANGES = new Set(['*/*', 'application/*', ...RESULT_TYPES]);
const acceptChoices = new Map<string, ResultMediaType | undefined>();

/**
 * The media type Yoga's content negotiation (useResultProcessors) picks for a single result, for an
 * Accept made only of common ranges with `q` and `charset=utf-8` parameters; undefined for anything
 * else. Yoga reads the list back to front, ignores `q`, skips other charsets and keeps its last
 * match, so (for these ranges) the first range the regular processor matches wins.
 */
export function resultMediaType(accept: string | undefined): ResultMediaType | undefined {
  if (accept === undefined || accept === '*/*' || accept === 'application/json') return 'application/json';
  if (acceptChoices.has(accept)) return acceptChoices.get(accept);
  let chosen: ResultMediaType | undefined;
  let unusual = false;
  const ranges = accept.replace(/\s/g, '').toLowerCase().split(',');
  for (let i = ranges.length - 1; i >= 0; i--) {
    const [range = '', ...params] = (ranges[i] as string).split(';');
    if (!COMMON_RANGES.has(range) || !params.every((p) => /^q=[01](\.\d{0,3})?$/.test(p) || p === 'charset=utf-8')) {
      unusual = true;
      break;
    }
    const [pre, suf] = range.split('/');
    for (const type of RESULT_TYPES) {
      const [tPre, tSuf] = type.split('/');
      if ((pre === '*' || pre === tPre) && (suf === '*' || suf === tSuf)) chosen = type;
    }
  }
  const result = unusual ? undefined : chosen;
  // Clients send a handful of distinct values; an odd one is not worth remembering past a bound.
  if (acceptChoices.size < 64) acceptChoices.set(accept, result);
  return result;
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
      if (req.method !== 'POST' || req.url !== '/graphql' || req.headers.origin) return undefined;
      const length = Number(req.headers['content-length']);
      if (!(length > 0 && length <= FAST_DOOR_MAX_BODY)) return undefined;
      const type = req.headers['content-type'];
      if (!type || !JSON_TYPE.test(type)) return undefined;
      // Yoga answers these in the media type it negotiates (status by its rules): so does processRegularResult below.
      return resultMediaType(req.headers.accept);
    },
    async answer(body, req, ctx, mediaType) {
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
        result = { errors: [maskError(err, MASKED_ERRORS.errorMessage, MASKED_ERRORS.isDev) as GraphQLError] };
      }
      const response = await processRegularResult(
        result as Parameters<typeof processRegularResult>[0],
        yoga.fetchAPI,
        mediaType,
      );
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return { status: response.status, headers, body: await response.text() };
    },
  };
}
