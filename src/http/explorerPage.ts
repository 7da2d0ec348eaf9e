import type { GraphiQLOptions } from 'graphql-yoga';

/** The demo partner the explorer opens with: demo mode only (see ExplorerPageOptions.demo). */
export interface ExplorerDemo {
  /** The demo partner's API key. It is written into the page, which only a demo on 127.0.0.1 serves. */
  apiKey: string;
  /** The account the demo's install link connects. */
  accountId: string;
}

export interface ExplorerPageOptions {
  /**
   * Demo mode only: set by src/main.ts's demo branch, never from configuration, because the page then
   * carries a partner's API key. The explorer opens with that partner's headers and the Jobber tab
   * first. Awaited when the page is first asked for, so main can pass it before the demo partner exists.
   */
  demo?: Promise<ExplorerDemo>;
}

/** The title of the explorer's Jobber tab: GraphiQL names a tab after its operation. */
export const JOBBER_TAB_OPERATION = 'JobberFirstLook';
/** The title of the explorer's local tab (the gateway's own fields). */
export const LOCAL_TAB_OPERATION = 'ConnectorFirstLook';

const JOBBER_QUERY = `query ${JOBBER_TAB_OPERATION} {
  account { id name }
  clients(first: 5) {
    nodes { id name }
    pageInfo { hasNextPage endCursor }
  }
}
`;

const LOCAL_QUERY = `query ${LOCAL_TAB_OPERATION} {
  connectorSettings { clientId clientSecretSet callbackUrl apiVersion }
  connectorInstallations(first: 10) { nodes { accountId status jobberAccountName } }
}
`;

/**
 * GraphiQL's options, except `shouldPersistHeaders: null`. Yoga's wrapper turns an absent value into
 * `true` (the API key would then sit in localStorage), and `false` hides GraphiQL's "Persist headers"
 * setting and ignores it on reload. `null`, GraphiQL's own unset value, keeps headers out of storage
 * until the user turns on Settings → Persist headers, and then remembers that choice.
 */
export type ExplorerOptions = Omit<GraphiQLOptions, 'shouldPersistHeaders'> & { shouldPersistHeaders: null };

/**
 * What the explorer opens with: two tabs, a Jobber query and the gateway's local fields. Without a demo
 * partner the headers are left for the user to fill and the local tab comes first (a partner's first
 * steps are settings and installs); with one, they hold its key and account and the Jobber tab comes
 * first, so the first Run is a Jobber answer. Pure.
 */
export function buildExplorerOptions(demo: ExplorerDemo | undefined): ExplorerOptions {
  const jobberTab = {
    query: demo
      ? `# A Jobber query. Press Run (the ▶ button or Ctrl-Enter):
# the gateway sends it to the demo's Jobber sandbox with
# the access token of the account you approved.
# Headers (below): the demo partner's key and account.
${JOBBER_QUERY}`
      : `# A Jobber query: it needs your partner API key and an
# installed account's id in the Headers (below).
${JOBBER_QUERY}`,
  };
  const localTab = {
    query: demo
      ? `# The gateway's own fields: the demo partner's
# connector settings and installations.
${LOCAL_QUERY}`
      : `# Put your partner API key after "Bearer " and an
# installed account id in the Headers (below).
# The schema (Docs) is browsable before that.
${LOCAL_QUERY}`,
  };
  const headers = demo ? { Authorization: `Bearer ${demo.apiKey}`, 'X-Account-Id': demo.accountId } : { Authorization: 'Bearer ', 'X-Account-Id': '' };
  return {
    title: 'jobber-gateway explorer',
    endpoint: '/graphql',
    defaultTabs: demo ? [jobberTab, localTab] : [localTab, jobberTab],
    // The headers of every tab, new ones included (a tab without headers of its own shows these).
    headers: JSON.stringify(headers, null, 2),
    defaultEditorToolsVisibility: 'headers',
    shouldPersistHeaders: null,
  };
}

/**
 * The GraphiQL explorer: every script and style is inline, so it works with no internet access. The
 * renderer (a few MB of inlined GraphiQL) is loaded on the first page asked for, not at startup: it
 * costs about 150 ms that a gateway serving only API calls never needs.
 */
export async function buildExplorerPage(options: ExplorerPageOptions = {}): Promise<string> {
  const [{ renderGraphiQL }, demo] = await Promise.all([import('@graphql-yoga/render-graphiql'), options.demo]);
  const explorerOptions = buildExplorerOptions(demo);
  // The renderer puts the options' JSON inside a <script> unescaped: no value may be able to close it.
  if (JSON.stringify(explorerOptions).includes('<')) throw new Error('explorer options must not contain "<"');
  return renderGraphiQL(explorerOptions as unknown as GraphiQLOptions);
}

/** A browser asking for a page (not a GraphQL client asking for JSON). */
export function isBrowserPageRequest(accept: string | undefined): boolean {
  return !!accept && accept.includes('text/html');
}
