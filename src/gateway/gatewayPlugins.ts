import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCode, isGatewayError } from '../errors/gatewayError';
import type { RequestContext } from './requestContext';

/** True when every root field of the operation is `__schema`/`__type`/`__typename` (what GraphiQL asks first). */
export function isIntrospectionOnly(document: DocumentNode, operation: OperationDefinitionNode | null | undefined): boolean {
  const op = operation ?? document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op || op.operation !== 'query') return false;
  return op.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'));
}

/**
 * - Subscriptions are refused (400 BAD_REQUEST): nothing serves them.
 * - Anonymous callers may introspect (so the explorer shows the schema before a key is pasted) and
 *   nothing else: 401 UNAUTHENTICATED.
 * - Jobber's `extensions` (cost, versioning) reach the client unchanged.
 * - Errors that are bugs are logged with their stack (formatError masks them for the client).
 */
export function buildGatewayPlugins(logger: Logger): ApolloServerPlugin<RequestContext>[] {
  return [
    {
      async requestDidStart() {
        return {
          async didResolveOperation({ contextValue, document, operation }) {
            // The schema has no Subscription root: graphql-js would answer 200 with a codeless execution error.
            if (operation?.operation === 'subscription') {
              throw new GraphQLError('This gateway serves queries and mutations only: subscriptions are not supported.', {
                extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
              });
            }
            if (contextValue.principal.kind === 'anonymous' && !isIntrospectionOnly(document, operation)) {
              throw new GraphQLError('Send Authorization: Bearer <partner API key or session token>.', {
                extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
              });
            }
          },
          async didEncounterErrors({ errors }) {
            for (const error of errors) {
              const original = error.originalError;
              if (original && !isGatewayError(original) && !(original instanceof GraphQLError)) {
                logger.error({ err: original }, 'unexpected error while executing');
              }
            }
          },
          async willSendResponse({ response, contextValue }) {
            const collected = contextValue.jobberExtensions;
            if (collected.length === 0 || response.body.kind !== 'single') return;
            const result = response.body.singleResult;
            // One Jobber call per operation is the norm (batched); with several, the last one's bucket is the newest.
            result.extensions = { ...result.extensions, ...Object.assign({}, ...collected) };
          },
        };
      },
    },
  ];
}
