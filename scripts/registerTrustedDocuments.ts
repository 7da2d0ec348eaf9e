/**
 * `npm run documents:register -- --file <manifest.json> [--url http://localhost:4000] [--key <partner API key>] [--only on|off]`
 * Registers a frontend's operations as the partner's trusted documents, from Apollo's persisted query
 * manifest (@apollo/generate-persisted-query-manifest) or GraphQL Codegen's persisted-documents.json,
 * in batches through the gateway's registerTrustedDocuments mutation. `--only on` then lets the partner's
 * account sessions run registered documents only (`off` lifts it). The key may come from
 * JOBBER_GATEWAY_API_KEY instead of --key (keeps it out of the shell history); it is never printed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { batchManifestDocuments, parseDocumentManifest } from '../src/trusted/parseDocumentManifest';

interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function register(): Promise<void> {
  const { values } = parseArgs({ options: { file: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' }, only: { type: 'string' } } });
  const apiKey = values.key ?? process.env.JOBBER_GATEWAY_API_KEY;
  const url = (values.url ?? process.env.JOBBER_GATEWAY_URL ?? 'http://localhost:4000').replace(/\/+$/, '');
  if (!values.file) throw new Error('Give the manifest: --file <persisted-query-manifest.json | persisted-documents.json>');
  if (!apiKey) throw new Error("Give the partner's API key: --key <key> or JOBBER_GATEWAY_API_KEY");
  if (values.only !== undefined && values.only !== 'on' && values.only !== 'off') throw new Error('--only takes on or off');

  let json: unknown;
  try {
    json = JSON.parse(readFileSync(values.file, 'utf8'));
  } catch (error) {
    throw new Error(`${values.file} is not readable JSON: ${(error as Error).message}`);
  }
  const manifest = parseDocumentManifest(json);
  if (!manifest.ok) throw new Error(`${values.file}: ${manifest.message}`);

  const call = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(60_000),
    });
    const answer = (await response.json()) as GraphqlAnswer<T>;
    if (answer.errors?.length || !answer.data) {
      throw new Error(`the gateway answered HTTP ${response.status}: ${(answer.errors ?? []).map((e) => `${e.extensions?.code ?? 'ERROR'}: ${e.message}`).join('; ')}`);
    }
    return answer.data;
  };

  const batches = batchManifestDocuments(manifest.documents);
  let sent = 0;
  for (const batch of batches) {
    await call('mutation Register($documents: [TrustedDocumentInput!]!) { registerTrustedDocuments(documents: $documents) { sha256Hash } }', { documents: batch });
    sent += batch.length;
  }
  if (values.only !== undefined) {
    await call('mutation Only($enabled: Boolean!) { setTrustedDocumentsOnly(enabled: $enabled) { trustedDocumentsOnly } }', { enabled: values.only === 'on' });
  }
  const { trustedDocumentsPolicy: policy } = await call<{ trustedDocumentsPolicy: { trustedDocumentsOnly: boolean; documentCount: number; maxDocuments: number } }>(
    '{ trustedDocumentsPolicy { trustedDocumentsOnly documentCount maxDocuments } }',
    {},
  );
  console.log(
    `registered ${sent} documents from ${values.file} (${manifest.format} format, ${batches.length} call${batches.length === 1 ? '' : 's'}); ` +
      `the partner holds ${policy.documentCount} of ${policy.maxDocuments}; account sessions run trusted documents only: ${policy.trustedDocumentsOnly ? 'on' : 'off'}`,
  );
}

register().catch((error: unknown) => {
  console.error(`documents:register failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
