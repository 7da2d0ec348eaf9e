import { documentParamsForApollo, paramsFromBody, paramsFromSearch } from '../../../src/http/graphqlRequestParams';

describe('paramsFromBody', () => {
  test.each([
    ['a query alone', { query: '{ a }' }, { query: '{ a }', sha256Hash: null, variables: null, operationName: null }],
    ['all four fields', { query: 'q', variables: { n: 1 }, operationName: 'Q', extensions: {} }, { query: 'q', sha256Hash: null, variables: { n: 1 }, operationName: 'Q' }],
    ["Apollo Client's clientLibrary extension", { query: 'q', extensions: { clientLibrary: { name: '@apollo/client' } } }, { query: 'q', sha256Hash: null, variables: null, operationName: null }],
    ['null variables, operation name and extensions', { query: 'q', variables: null, operationName: null, extensions: null }, { query: 'q', sha256Hash: null, variables: null, operationName: null }],
    ['a key GraphQL over HTTP does not name (ignored, as Apollo does)', { query: 'q', id: 'x' }, { query: 'q', sha256Hash: null, variables: null, operationName: null }],
    ['a persisted query with its text (an APQ retry)', { query: 'q', extensions: { persistedQuery: { version: 1, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } } }, { query: 'q', sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', variables: null, operationName: null }],
    ["a persisted query's hash alone (Apollo Client's link)", { operationName: 'Q', extensions: { persistedQuery: { version: 1, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } } }, { query: null, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', variables: null, operationName: 'Q' }],
    ['an uppercase hash and a null query', { query: null, extensions: { persistedQuery: { version: 1, sha256Hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } } }, { query: null, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', variables: null, operationName: null }],
    ["urql's retry after a miss (miss: true)", { query: 'q', extensions: { persistedQuery: { version: 1, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', miss: true } } }, { query: 'q', sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', variables: null, operationName: null }],
  ])('when the body has %s, then the fast path gets its params', (_label, body, params) => {
    expect(paramsFromBody(body)).toEqual({ kind: 'params', params });
  });

  test.each([
    ['no query', { variables: {} }],
    ['an empty query', { query: '' }],
    ['a query that is not a string', { query: { kind: 'Document' } }],
    ['variables as a string', { query: 'q', variables: '{}' }],
    ['variables as an array', { query: 'q', variables: [] }],
    ['a numeric operation name', { query: 'q', operationName: 1 }],
    ['extensions as a string', { query: 'q', extensions: '{}' }],
    ['a persisted query whose hash is not a SHA-256', { query: 'q', extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } } }],
    ['a persisted query of version 2', { extensions: { persistedQuery: { version: 2, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } } }],
    ['a persisted query that is not an object', { extensions: { persistedQuery: 'x' } }],
    ['a hash with an empty query', { query: '', extensions: { persistedQuery: { version: 1, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } } }],
    ['an array (a batch)', [{ query: 'q' }]],
    ['a string', 'q'],
  ])('when the body has %s, then Apollo answers it', (_label, body) => {
    expect(paramsFromBody(body).kind).toBe('apollo');
  });
});

describe('paramsFromSearch', () => {
  test.each([
    ["urql's GET", 'query=query+Q%28%24n%3A+Int%21%29+%7B+a+%7D&operationName=Q&variables=%7B%22n%22%3A1%7D', { query: 'query Q($n: Int!) { a }', sha256Hash: null, variables: { n: 1 }, operationName: 'Q' }],
    ['a query alone', 'query=%7Ba%7D', { query: '{a}', sha256Hash: null, variables: null, operationName: null }],
    ['other parameters beside the query', 'query=%7Ba%7D&utm=1', { query: '{a}', sha256Hash: null, variables: null, operationName: null }],
    ["urql's persisted GET (hash alone)", `operationName=Q&extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' } }))}`, { query: null, sha256Hash: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', variables: null, operationName: 'Q' }],
  ])('when the URL has %s, then the fast path gets its params', (_label, search, params) => {
    expect(paramsFromSearch(search)).toEqual({ kind: 'params', params });
  });

  test.each([
    ['no query', 'operationName=Q'],
    ['the query twice', 'query=a&query=b'],
    ['variables that are not JSON', 'query=a&variables=%7Bn'],
    ['variables that are JSON but not an object', 'query=a&variables=%5B1%5D'],
    ['a persisted query without version or hash', 'query=a&extensions=%7B%22persistedQuery%22%3A%7B%7D%7D'],
    ['extensions that are not JSON', 'query=a&extensions=%7B'],
  ])('when the URL has %s, then Apollo answers it', (_label, search) => {
    expect(paramsFromSearch(search).kind).toBe('apollo');
  });
});

describe('documentParamsForApollo', () => {
  const extensions = { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } };
  test.each([
    ['a POST with text and extensions', 'POST', { query: 'q', extensions }, '', { query: 'q', extensions }],
    ['a POST with the hash alone', 'POST', { extensions }, '', { query: undefined, extensions }],
    ['a POST whose query is not a string (Apollo reads it as absent)', 'POST', { query: 1, extensions }, '', { query: undefined, extensions }],
    ['a POST whose extensions are not an object', 'POST', { query: 'q', extensions: '{}' }, '', { query: 'q', extensions: undefined }],
    ['a POST batch (Apollo refuses it)', 'POST', [{ query: 'q' }], '', { query: undefined, extensions: undefined }],
    ['a GET with the hash in the URL', 'GET', undefined, `operationName=Q&extensions=${encodeURIComponent(JSON.stringify(extensions))}`, { query: undefined, extensions }],
    ['a GET with a query and broken extensions', 'GET', undefined, 'query=%7Ba%7D&extensions=%7B', { query: '{a}', extensions: undefined }],
    ['a GET with the query twice', 'GET', undefined, 'query=a&query=b', { query: undefined, extensions: undefined }],
  ])('when Apollo is handed %s, then the admission reads what Apollo will read', (_label, method, body, search, expected) => {
    expect(documentParamsForApollo(method, body, search)).toEqual(expected);
  });
});
