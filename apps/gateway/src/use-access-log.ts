// One JSON line per GraphQL request (whichever door): ids, operation, result, upstream status. No secret:
// the line is built from the trace, which never holds a credential.
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { ServerContext } from './context.js';
import { onRequestEnd } from './use-request-trace.js';

export function useAccessLog(logger: Logger): Plugin<ServerContext> {
  return onRequestEnd((trace, status) => {
    logger.info(
      {
        requestId: trace.requestId,
        status,
        operationName: trace.operationName,
        operation: trace.operation,
        result: trace.result ?? (status >= 400 ? 'BAD_REQUEST' : 'OK'),
        via: trace.via,
        durationMs: Math.round((performance.now() - trace.start) * 10) / 10,
        upstreamStatus: trace.upstreamStatus,
        upstreamRequestId: trace.upstreamRequestId,
        apiKey: trace.apiKey,
      },
      'request',
    );
  });
}
