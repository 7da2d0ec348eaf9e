import { createHash } from 'node:crypto';
import { batchManifestDocuments, parseDocumentManifest } from '../../../src/trusted/parseDocumentManifest';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const A = 'query A {\n  account {\n    id\n  }\n}';
const B = 'mutation B {\n  clientCreate(input: {}) {\n    client {\n      id\n    }\n  }\n}';

describe('parseDocumentManifest', () => {
  test("when the manifest is Apollo's (generate-persisted-query-manifest), then each operation's id, body and name are read", () => {
    const manifest = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [
        { id: sha(A), body: A, name: 'A', type: 'query' },
        { id: sha(B).toUpperCase(), body: B, name: 'B', type: 'mutation' },
      ],
    };
    expect(parseDocumentManifest(manifest)).toEqual({
      ok: true,
      format: 'apollo',
      documents: [
        { body: A, sha256Hash: sha(A), name: 'A' },
        { body: B, sha256Hash: sha(B), name: 'B' },
      ],
    });
  });

  test("when the manifest is GraphQL Codegen's persisted-documents.json, then each hash and body is read", () => {
    expect(parseDocumentManifest({ [sha(A)]: A, [sha(B)]: B })).toEqual({
      ok: true,
      format: 'codegen',
      documents: [
        { body: A, sha256Hash: sha(A), name: null },
        { body: B, sha256Hash: sha(B), name: null },
      ],
    });
  });

  test.each([
    ['an array', [], /JSON object/],
    ['another format', { format: 'relay', version: 1, operations: [] }, /apollo-persisted-query-manifest/],
    ['version 2', { format: 'apollo-persisted-query-manifest', version: 2, operations: [] }, /version 1/],
    ['an id that is not a SHA-256', { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: 'GetA', body: A }] }, /operations\[0\]\.id/],
    ['an empty body', { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha(A), body: '' }] }, /operations\[0\]\.body/],
    ['no operations', { format: 'apollo-persisted-query-manifest', version: 1, operations: [] }, /no operations/],
    ['a codegen key that is not a hash', { GetA: A }, /not a SHA-256/],
    ['a codegen value that is not a string', { [sha(A)]: 1 }, /non-empty string/],
    ['an empty object', {}, /no documents/],
  ])('when the manifest is %s, then it is refused with a message that says what is wrong', (_label, json, message) => {
    const parsed = parseDocumentManifest(json);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('batchManifestDocuments', () => {
  const doc = (size: number, i: number) => ({ body: `${'x'.repeat(size - String(i).length)}${i}`, sha256Hash: String(i), name: null });

  test('when there are more documents than a call takes, then they go in batches of at most that many', () => {
    const documents = Array.from({ length: 250 }, (_, i) => doc(10, i));
    expect(batchManifestDocuments(documents).map((batch) => batch.length)).toEqual([100, 100, 50]);
  });

  test('when bodies add up past the byte bound, then a batch ends before it (a single large document still goes alone)', () => {
    const documents = [doc(300, 1), doc(300, 2), doc(300, 3), doc(2000, 4), doc(10, 5)];
    expect(batchManifestDocuments(documents, 100, 1000).map((batch) => batch.map((d) => d.sha256Hash))).toEqual([['1', '2', '3'], ['4'], ['5']]);
  });
});
