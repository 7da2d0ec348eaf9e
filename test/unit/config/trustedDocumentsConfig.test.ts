import { loadConfig } from '../../../src/config/config';

describe('trusted documents configuration', () => {
  test('when nothing is set, then a partner may hold 1000 documents of at most 64 KiB', () => {
    const result = loadConfig({});
    expect(result.ok && result.config).toMatchObject({ trustedDocumentsMax: 1000, trustedDocumentMaxBytes: 65_536 });
  });

  test('when both are set, then the config carries them', () => {
    const result = loadConfig({ TRUSTED_DOCUMENTS_MAX: '5000', TRUSTED_DOCUMENT_MAX_BYTES: '16384' });
    expect(result.ok && result.config).toMatchObject({ trustedDocumentsMax: 5000, trustedDocumentMaxBytes: 16_384 });
  });

  test('when they are zero, too large or not numbers, then every bad one is reported at once', () => {
    const result = loadConfig({ TRUSTED_DOCUMENTS_MAX: '0', TRUSTED_DOCUMENT_MAX_BYTES: '2000000' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.split(':')[0])).toEqual(['TRUSTED_DOCUMENTS_MAX', 'TRUSTED_DOCUMENT_MAX_BYTES']);
    const notNumbers = loadConfig({ TRUSTED_DOCUMENTS_MAX: 'many' });
    expect(notNumbers.ok).toBe(false);
  });
});
