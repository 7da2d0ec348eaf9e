import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

const DEFAULT_QUERY = `# Put your partner API key after "Bearer " and an installed account id in the Headers tab below.
# The schema (Docs) is browsable before that.
query FirstLook {
  connectorSettings { clientId clientSecretSet callbackUrl }
  connectorInstallations(first: 10) { nodes { accountId status jobberAccountName } }
}
`;

/** The GraphiQL explorer, rendered once: every script and style is inline, so it works with no internet access. */
export function buildExplorerPage(): string {
  return renderGraphiQL({
    title: 'jobber-gateway explorer',
    endpoint: '/graphql',
    defaultQuery: DEFAULT_QUERY,
    headers: JSON.stringify({ Authorization: 'Bearer ', 'X-Account-Id': '' }, null, 2),
    defaultEditorToolsVisibility: 'headers',
    shouldPersistHeaders: true,
  });
}

/** A browser asking for a page (not a GraphQL client asking for JSON). */
export function isBrowserPageRequest(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html');
}
