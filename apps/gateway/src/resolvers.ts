import { DBSS_REGIONS, isDbssRegion, isValidProjectId } from '@dbss-obs/core';
import type { GatewayContext } from './context.js';
import { gatewayError, toGraphQLError } from './errors.js';

export interface ResolverOptions {
  /** Message for a caller without credentials. */
  unauthenticatedMessage: string;
}

export function createResolvers(opts: ResolverOptions) {
  return {
    Query: {
      async obsBuckets(_: unknown, args: { projectId: string; region?: string | null }, ctx: GatewayContext) {
        // Nothing reaches DBSS before the caller and the arguments are known to be good.
        if (!ctx.credential) throw gatewayError('UNAUTHENTICATED', opts.unauthenticatedMessage);
        if (!isValidProjectId(args.projectId)) {
          throw gatewayError(
            'BAD_USER_INPUT',
            'projectId must be 32 to 64 letters and digits (the project id from the IAM console).',
          );
        }
        const region = args.region ?? undefined;
        if (region !== undefined && !isDbssRegion(region)) {
          throw gatewayError(
            'BAD_USER_INPUT',
            `region "${region.slice(0, 40)}" is not a DBSS region. Valid regions: ${DBSS_REGIONS.join(', ')}.`,
          );
        }
        const result = await ctx.upstream.listObsBuckets(ctx.credential, region, args.projectId);
        ctx.trace.upstreamStatus = result.meta.status;
        ctx.trace.upstreamRequestId = result.meta.requestId;
        if (!result.ok) throw toGraphQLError(result.error);
        return result.buckets;
      },
    },
  };
}
