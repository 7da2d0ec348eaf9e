import type { ExecutionResult, Executor } from '@graphql-tools/utils';
import { print } from 'graphql';
import type { RequestContext } from './requestContext';
import { resolveAccountRef } from './resolveAccountRef';

/**
 * The executor stitching hands Jobber's subschema. The account comes from the request's context and the
 * token is added per call by the forwarder, so no in-flight request is ever shared between accounts.
 * Jobber's `extensions` are collected on the context for the response (cost, versioning).
 */
export function createJobberExecutor(): Executor<RequestContext> {
  const executor = async (request: Parameters<Executor<RequestContext>>[0]): Promise<ExecutionResult> => {
    const context = request.context as RequestContext | undefined;
    if (!context) throw new Error('jobberExecutor: missing request context');
    const ref = resolveAccountRef(context.principal, context.accountIdHeader);
    const { json } = await context.services.forwarder.forward(ref, {
      query: print(request.document),
      variables: request.variables ?? null,
      operationName: request.operationName ?? null,
      isMutation: request.operationType === 'mutation',
      document: request.document,
      scope: context.scope,
    });
    if (json.extensions) context.jobberExtensions.push(json.extensions);
    // Jobber's errors are plain JSON objects; stitching turns them into located GraphQLErrors.
    return { data: json.data ?? null, ...(json.errors ? { errors: json.errors as unknown as ExecutionResult['errors'] } : {}) };
  };
  return executor as Executor<RequestContext>;
}
