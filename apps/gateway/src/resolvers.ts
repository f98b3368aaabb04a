import { DBSS_REGIONS, type DbssRegion, isDbssRegion, isValidProjectId } from '@dbss-obs/core';
import type { GatewayContext } from './context.js';
import { failureError, gatewayError } from './errors.js';
import { scopeRefusal } from './use-credentials.js';

export interface ResolverOptions {
  /** Message for a caller without credentials. */
  unauthenticatedMessage: string;
  /** The region of a query that names none (an API key's scope is judged in it). */
  defaultRegion?: DbssRegion;
  /** DBSS_ENDPOINT is set without HUAWEICLOUD_SDK_IAM_ENDPOINT: no project id can be discovered. */
  noIam?: boolean;
}

/** The answer to a query without projectId when the gateway has no region to discover it in. */
function noRegionMessage(noIam: boolean | undefined): string {
  return noIam
    ? 'Pass projectId: this gateway cannot discover it (DBSS_ENDPOINT is set and HUAWEICLOUD_SDK_IAM_ENDPOINT is not).'
    : 'Pass projectId, or a region to discover the project of your credential in (this gateway has no HUAWEICLOUD_SDK_REGION).';
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
        // Core can discover a project id only in a region; with none named, say what the caller can do.
        if (projectId === undefined && (region ?? opts.defaultRegion) === undefined) {
          throw gatewayError('BAD_USER_INPUT', noRegionMessage(opts.noIam));
        }
        // A scoped API key outside its scope (AK/SK mode): refused here, before any upstream call.
        const refusal = scopeRefusal(ctx.credential, region ?? opts.defaultRegion, projectId);
        if (refusal) throw gatewayError('FORBIDDEN', refusal);
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
