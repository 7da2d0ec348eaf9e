import { HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { print } from 'graphql';
import { isIntrospectionOnly } from '../gateway/gatewayPlugins';

/**
 * Answers introspection-only operations from memory once they ran: a full introspection of the stitched
 * schema (GraphiQL's first request, anonymous or not) costs ~100 ms of CPU and 1.4 MB of JSON, and the
 * explorer sends the same one on every page load. The schema never changes while the process runs, so
 * the data of a successful answer is kept, keyed by the printed document (whitespace and comments do not
 * make a new entry), the operation name and the variables, in an LRU of `maxEntries` (default 4; one
 * entry holds a few MB). A hit skips execution; Apollo still serializes it (~10 ms for the full schema).
 * A document seen for the first time still runs once: the per-address budget bounds how often an
 * anonymous caller can do that (callerGate).
 */
export function createIntrospectionCachePlugin<Context extends BaseContext>(options: { maxEntries?: number } = {}): ApolloServerPlugin<Context> {
  const maxEntries = options.maxEntries ?? 4;
  const answers = new Map<string, Record<string, unknown>>();
  return {
    async requestDidStart() {
      let key: string | undefined;
      return {
        async responseForOperation({ document, operation, request }) {
          if (!isIntrospectionOnly(document, operation)) return null;
          key = JSON.stringify([request.operationName ?? null, print(document), request.variables ?? null]);
          const data = answers.get(key);
          if (data === undefined) return null;
          answers.delete(key);
          answers.set(key, data);
          return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
        },
        async willSendResponse({ response }) {
          if (key === undefined || answers.has(key) || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (errors?.length || !data) return;
          answers.set(key, data);
          if (answers.size > maxEntries) answers.delete(answers.keys().next().value as string);
        },
      };
    },
  };
}
