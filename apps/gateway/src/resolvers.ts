import { DBSS_REGIONS, isDbssRegion, isValidProjectId } from '@dbss-obs/core';
import type { GatewayContext } from './context.js';
import { failureError, gatewayError } from './errors.js';

export interface ResolverOptions {
  /** Message for a caller without credentials. */
  unauthenticatedMessage: string;
}

export function createResolvers(opts: ResolverOptions) {
  return {
    Query: {
      async obsBuckets(_: unknown, args: { projectId?: string | null; region?: string | null }, ctx: GatewayContext) {
        // Nothing reaches DBSS before the caller and the arguments are known to be good.
        if (!ctx.credential) throw gatewayError('UNAUTHENTICATED', opts.unauthenticatedMessage);
        const projectId = args.projectId ?? undefined;
        if (projectId !== undefined && !isValidProjectId(projectId)) {
          throw gatewayError(
            'BAD_USER_INPUT',
            'projectId must be 32 to 64 letters and digits (the project id from the IAM console), or left out to use the project of your credential in the region.',
          );
        }
        const region = args.region ?? undefined;
        if (region !== undefined && !isDbssRegion(region)) {
          throw gatewayError(
            'BAD_USER_INPUT',
            `region "${region.slice(0, 40)}" is not a DBSS region. Valid regions: ${DBSS_REGIONS.join(', ')}.`,
          );
        }
        const outcome = await ctx.listBuckets({ credential: ctx.credential, region, projectId }, ctx);
        ctx.trace.upstreamStatus = outcome.meta.status;
        ctx.trace.upstreamRequestId = outcome.meta.requestId;
        if (outcome.ok) return outcome.buckets;
        // Unknown failures stay plain errors: Yoga masks them as "Unexpected error.".
        throw outcome.failure ? failureError(outcome.failure) : new Error('DBSS call failed unexpectedly');
      },
    },
  };
}
