import { parse } from 'graphql';
import { buildExplorerOptions, JOBBER_TAB_OPERATION, LOCAL_TAB_OPERATION } from '../../../src/http/explorerPage';

const DEMO = { apiKey: 'jgp_demoKey123', accountId: 'demo-customer-1' };

const operationOf = (query: string | null) => {
  const definition = parse(query ?? '').definitions[0];
  return definition?.kind === 'OperationDefinition' ? definition.name?.value : undefined;
};

describe('buildExplorerOptions', () => {
  test('when there is no demo partner (a real deployment), then the headers are empty and the local tab comes first', () => {
    const options = buildExplorerOptions(undefined);
    expect(JSON.parse(options.headers ?? '')).toEqual({ Authorization: 'Bearer ', 'X-Account-Id': '' });
    expect(options.defaultTabs?.map((tab) => operationOf(tab.query))).toEqual([LOCAL_TAB_OPERATION, JOBBER_TAB_OPERATION]);
  });

  test("when there is a demo partner, then the headers hold its key and account and the Jobber tab comes first", () => {
    const options = buildExplorerOptions(DEMO);
    expect(JSON.parse(options.headers ?? '')).toEqual({ Authorization: 'Bearer jgp_demoKey123', 'X-Account-Id': 'demo-customer-1' });
    expect(options.defaultTabs?.map((tab) => operationOf(tab.query))).toEqual([JOBBER_TAB_OPERATION, LOCAL_TAB_OPERATION]);
  });

  test.each([
    ['a real deployment', undefined],
    ['the demo', DEMO],
  ])('when the explorer is for %s, then headers are not persisted unless the user turns it on (null, not true or false)', (_name, demo) => {
    expect(buildExplorerOptions(demo).shouldPersistHeaders).toBeNull();
  });

  test('when the tabs are built, then their queries parse and the Jobber one asks for the account and a page of clients', () => {
    const jobberTab = buildExplorerOptions(DEMO).defaultTabs?.find((tab) => operationOf(tab.query) === JOBBER_TAB_OPERATION);
    expect(jobberTab?.query).toMatch(/account \{ id name \}[\s\S]*clients\(first: 5\)/);
    expect(jobberTab?.headers).toBeUndefined();
  });

  test('when there is no demo partner, then no tab or header carries a key', () => {
    expect(JSON.stringify(buildExplorerOptions(undefined))).not.toMatch(/jgp_/);
  });
});
