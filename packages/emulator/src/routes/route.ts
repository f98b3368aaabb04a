// The shape every emulated route has: it claims requests by method and path, then answers them.
import type { IncomingMessage } from 'node:http';
import type { Answer, RouteName } from '../answer.js';

/** One received request, read in full, with the id its answer will carry. */
export interface Exchange {
  req: IncomingMessage;
  body: Buffer;
  method: string;
  path: string;
  query: URLSearchParams;
  requestId: string;
  /** The project in the path (list route). */
  projectId?: string;
}

export interface Route {
  /** Faults aim at this name. */
  name: RouteName;
  /** Whether this route serves `method path`; the project id when the path has one. */
  match(method: string, path: string): { projectId?: string } | undefined;
  answer(x: Exchange): Answer;
}
