const DEFAULT_QUERY = `# Put your partner API key after "Bearer " and an installed account id in the Headers tab below.
# The schema (Docs) is browsable before that.
query FirstLook {
  connectorSettings { clientId clientSecretSet callbackUrl }
  connectorInstallations(first: 10) { nodes { accountId status jobberAccountName } }
}
`;

/**
 * The GraphiQL explorer: every script and style is inline, so it works with no internet access. The
 * renderer (a few MB of inlined GraphiQL) is loaded on the first page asked for, not at startup: it
 * costs about 150 ms that a gateway serving only API calls never needs.
 */
export async function buildExplorerPage(): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
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
