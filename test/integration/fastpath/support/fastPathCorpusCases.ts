import type { TestGateway } from '../../../support/testGateway';

/** The fast path corpus (fastPathCorpus.test.ts): each request, who sends it, and which path must serve it. */
export type Caller = 'north' | 'noAccount' | 'badAccountId' | 'notInstalled' | 'unknownKey' | 'admin' | 'session' | 'badSession' | 'sessionOther' | 'anonymous';

export interface CorpusCase {
  label: string;
  body: Record<string, unknown>;
  caller: Caller;
  /** What the fast path does with it: answers it itself (whole, split in two, or an early refusal), or hands it to Apollo. */
  path: 'forwarded' | 'split' | 'refused' | 'handed_off';
  /** Only as a plain POST (slow cases). */
  plainOnly?: boolean;
  headers?: Record<string, string>;
  /** Runs on the sandbox before each of the two requests. */
  before?: (gateway: TestGateway) => void;
  /** Runs on the sandbox after each of the two requests. */
  after?: (gateway: TestGateway) => void;
}

const CLIENTS = 'query Clients($n: Int!) { clients(first: $n) { nodes { id name firstName } totalCount } }';

export const CORPUS: CorpusCase[] = [
  { label: 'a plain query', body: { query: '{ account { id name } }' }, caller: 'north', path: 'forwarded' },
  { label: 'aliases', body: { query: '{ a: account { id } b: account { nm: name } c: clients(first: 2) { totalCount } }' }, caller: 'north', path: 'forwarded' },
  { label: 'variables', body: { query: CLIENTS, variables: { n: 3 } }, caller: 'north', path: 'forwarded' },
  { label: 'variables and an operation name', body: { query: CLIENTS, variables: { n: 1 }, operationName: 'Clients' }, caller: 'north', path: 'forwarded' },
  { label: 'a variable default', body: { query: 'query($n: Int = 2) { clients(first: $n) { nodes { id } } }' }, caller: 'north', path: 'forwarded' },
  {
    label: 'named fragments and two operations',
    body: {
      query: 'query A { account { ...Acc } } query B { clients(first: 2) { nodes { ...C } } } fragment Acc on Account { id name } fragment C on Client { id name }',
      operationName: 'B',
    },
    caller: 'north',
    path: 'forwarded',
  },
  { label: 'inline fragments', body: { query: '{ clients(first: 2) { nodes { ... on Client { id } ... { name } } } }' }, caller: 'north', path: 'forwarded' },
  { label: 'a root fragment spread', body: { query: 'query { ...Root } fragment Root on Query { account { name } }' }, caller: 'north', path: 'forwarded' },
  {
    label: '@skip and @include with variables',
    body: {
      query: 'query($s: Boolean!, $i: Boolean!) { account { id name @skip(if: $s) } clients(first: 1) @include(if: $i) { totalCount } }',
      variables: { s: true, i: false },
    },
    caller: 'north',
    path: 'forwarded',
  },
  { label: 'nested __typename', body: { query: '{ account { __typename id } clients(first: 2) { __typename nodes { __typename id } } }' }, caller: 'north', path: 'forwarded' },
  {
    label: 'a Jobber mutation with user errors',
    body: { query: 'mutation { clientEdit(clientId: "nope", input: { firstName: "X" }) { client { id } userErrors { message path } } }' },
    caller: 'north',
    path: 'forwarded',
  },
  { label: 'a session token', body: { query: '{ account { name } }' }, caller: 'session', path: 'forwarded' },
  // Mixed queries: the local half executed here, the Jobber half forwarded, the answers merged.
  { label: 'a mixed operation', body: { query: '{ connectorInstallation(accountId: "north") { status } account { name } }' }, caller: 'north', path: 'split' },
  {
    label: 'a mixed operation with variables, aliases, dates and local fields between Jobber ones',
    body: {
      query:
        'query Mixed($n: Int!, $a: ID!) { c: clients(first: $n) { nodes { id name } } i: connectorInstallation(accountId: $a) { accountId status installedAt } account { name } s: connectorSettings { clientId returnUrlOrigins } }',
      variables: { n: 2, a: 'north' },
      operationName: 'Mixed',
    },
    caller: 'north',
    path: 'split',
  },
  {
    label: 'a mixed operation with fragments on both halves and another operation',
    body: {
      query:
        'query Other { connectorSettings { clientId } } query Q { account { ...Acc } connectorInstallation(accountId: "north") { ...Inst } account { id } } fragment Acc on Account { name } fragment Inst on ConnectorInstallation { status accountId }',
      operationName: 'Q',
    },
    caller: 'north',
    path: 'split',
  },
  {
    label: 'a mixed operation with @skip and @include on both halves',
    body: {
      query:
        'query($s: Boolean!, $i: Boolean!) { account @skip(if: $s) { id } clients(first: 1) @include(if: $i) { totalCount } connectorSettings @skip(if: $s) { clientId } connectorInstallation(accountId: "north") @include(if: $s) { status } }',
      variables: { s: true, i: true },
    },
    caller: 'north',
    path: 'split',
  },
  { label: 'a mixed operation with an unknown installation (null)', body: { query: '{ connectorInstallation(accountId: "nobody") { status } account { id } }' }, caller: 'north', path: 'split' },
  { label: 'a mixed operation from a session', body: { query: '{ account { name } connectorInstallation(accountId: "north") { status } }' }, caller: 'session', path: 'split' },
  { label: 'a mixed operation with a Jobber mutation', body: { query: 'mutation { clientEdit(clientId: "nope", input: { firstName: "X" }) { userErrors { message } } updateConnectorSettings(input: {}) { clientId } }' }, caller: 'north', path: 'handed_off' },
  // The local half fails: both halves still run (as stitching runs them) and the answer is shaped like stitching's.
  { label: 'a mixed operation whose local half is forbidden', body: { query: '{ account { name } connectorSettings { clientId } }' }, caller: 'session', path: 'split' },
  { label: 'a mixed operation with a bad local argument', body: { query: '{ account { name } connectorInstallations(first: 500) { totalCount } }' }, caller: 'north', path: 'split' },
  { label: 'a mixed operation with a bad nullable local argument', body: { query: '{ account { name } i: connectorInstallation(accountId: "not valid!") { status } }' }, caller: 'north', path: 'split' },
  {
    label: 'a mixed operation when Jobber answers 502',
    body: { query: '{ account { id } connectorSettings { clientId } }' },
    caller: 'north',
    path: 'split',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 502, count: 1 }),
  },
  {
    label: 'a mixed operation when Jobber answers errors and no data',
    body: { query: '{ account { id } connectorSettings { clientId } clients(first: 1) { totalCount } }' },
    caller: 'north',
    path: 'split',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 500, count: 1 }),
  },
  { label: 'a mixed operation for an account that is not installed', body: { query: '{ account { id } connectorSettings { clientId } }' }, caller: 'notInstalled', path: 'split' },
  // Handed to Apollo before anything reaches Jobber: Apollo's own answer is the reference.
  { label: 'root __typename', body: { query: '{ __typename account { id } }' }, caller: 'north', path: 'handed_off' },
  { label: 'a validation error', body: { query: '{ account { id notAField } }' }, caller: 'north', path: 'handed_off' },
  { label: 'a syntax error', body: { query: '{ account { id ' }, caller: 'north', path: 'handed_off' },
  { label: 'a missing variable', body: { query: CLIENTS }, caller: 'north', path: 'handed_off' },
  { label: 'a variable of the wrong type', body: { query: CLIENTS, variables: { n: 'three' } }, caller: 'north', path: 'handed_off' },
  { label: 'an unknown operation name', body: { query: CLIENTS, variables: { n: 1 }, operationName: 'Nope' }, caller: 'north', path: 'handed_off' },
  { label: 'variables sent as a string', body: { query: CLIENTS, variables: '{"n":1}' }, caller: 'north', path: 'handed_off' },
  { label: 'no Authorization', body: { query: '{ account { id } }' }, caller: 'anonymous', path: 'handed_off' },
  // Credentials are checked first; a failure is answered before anything is parsed.
  { label: 'an unknown API key', body: { query: '{ account { id } }' }, caller: 'unknownKey', path: 'refused' },
  { label: 'an unknown API key and a query that does not parse', body: { query: '{ account { id ' }, caller: 'unknownKey', path: 'refused' },
  { label: 'an expired or unknown session', body: { query: '{ account { id } }' }, caller: 'badSession', path: 'refused' },
  { label: 'the admin key', body: { query: '{ account { id } }' }, caller: 'admin', path: 'handed_off' },
  { label: "a session with another account's X-Account-Id", body: { query: '{ account { id } }' }, caller: 'sessionOther', path: 'refused' },
  { label: 'no X-Account-Id', body: { query: '{ account { id } clients(first: 1) { totalCount } }' }, caller: 'noAccount', path: 'handed_off' },
  { label: 'an invalid X-Account-Id', body: { query: '{ account { id } }' }, caller: 'badAccountId', path: 'handed_off' },
  // Forwarded and failed: the fast path shapes the failure as stitching does (shapeLikeStitching).
  { label: 'an account that is not installed', body: { query: '{ account { id } clients(first: 1) { totalCount } }' }, caller: 'notInstalled', path: 'forwarded' },
  {
    label: 'an account that is not installed, three root fields, nullable and not, a root fragment and a repeated key',
    body: { query: '{ a: clients(first: 1) { totalCount } ...R c: client(id: "x") { id } c: client(id: "x") { name } } fragment R on Query { account { id } }' },
    caller: 'notInstalled',
    path: 'forwarded',
  },
  {
    label: 'an account that is not installed, a root field skipped by a variable',
    body: { query: 'query($s: Boolean!) { account @skip(if: $s) { id } c: client(id: "x") { id } }', variables: { s: true } },
    caller: 'notInstalled',
    path: 'forwarded',
  },
  { label: 'a Jobber mutation for an account that is not installed', body: { query: 'mutation { clientCreate(input: { firstName: "A" }) { client { id } } }' }, caller: 'notInstalled', path: 'forwarded' },
  {
    label: 'Jobber answering 502 with errors only',
    body: { query: '{ account { id } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 502, count: 1 }),
  },
  {
    // Jobber's errors without data: stitching puts them on each root field (data { account: null, ... }).
    label: 'Jobber answering errors and no data',
    body: { query: '{ account { id } clients(first: 1) { totalCount } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 500, count: 1 }),
  },
  {
    label: 'Jobber answering errors and no data to three nullable root fields',
    body: { query: '{ a: client(id: "x") { id } b: client(id: "y") { id } account { name } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlFailure({ status: 503, count: 1 }),
  },
  {
    label: 'Jobber timing out',
    body: { query: '{ account { id } c: client(id: "x") { id } }' },
    caller: 'north',
    path: 'forwarded',
    before: (g) => g.sandbox.control.setGraphqlLatency(4000),
    after: (g) => g.sandbox.control.setGraphqlLatency(0),
    plainOnly: true,
  },
];
