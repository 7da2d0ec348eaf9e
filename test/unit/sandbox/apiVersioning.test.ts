import { buildVersioningExtension } from '../../../src/sandbox/apiVersioning';

describe('sandbox API versioning', () => {
  test.each([
    { case: 'the current version', requested: '2025-04-16', current: '2025-04-16', servedAs: undefined },
    { case: 'a newer version', requested: '2026-01-01', current: '2025-04-16', servedAs: undefined },
    { case: 'an older version', requested: '2022-03-10', current: '2025-04-16', servedAs: '2025-04-16' },
    { case: 'the snapshot version, served as current', requested: '2022-03-10', current: '2022-03-10', servedAs: undefined },
    { case: 'a version older than a configured current one', requested: '2021-12-31', current: '2022-03-10', servedAs: '2022-03-10' },
    { case: 'something that is not a date', requested: 'latest', current: '2025-04-16', servedAs: '2025-04-16' },
    { case: 'a date with a time', requested: '2025-04-16T00:00', current: '2025-04-16', servedAs: '2025-04-16' },
  ])('when a request names $case, then a warning is added only if it is upgraded ($servedAs)', ({ requested, current, servedAs }) => {
    const extension = buildVersioningExtension(requested, current);
    if (servedAs === undefined) {
      expect(extension).toBeUndefined();
    } else {
      expect(extension).toEqual({ version: servedAs, warning: `API version ${requested} is not supported; this request was served with version ${servedAs}.` });
    }
  });
});
