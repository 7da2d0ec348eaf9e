import { createRequestReads, MAX_PARTNER_KEY_READS } from '../../../src/gateway/localResolvers';
import type { RequestContext } from '../../../src/gateway/requestContext';

/** A request context: only its identity matters to the memo. */
const newRequest = () => ({}) as RequestContext;

describe('createRequestReads', () => {
  test('when one request reads the same key many times, then the read runs once and every caller shares its promise', async () => {
    const readOnce = createRequestReads(2);
    const request = newRequest();
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    const answers = await Promise.all(Array.from({ length: 100 }, () => readOnce(request, 'settings', read)));
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(reads).toBe(1);
  });

  test('when a request passes its distinct reads, then the next distinct one throws TOO_MANY_STORE_READS without reading, and another request starts afresh', async () => {
    const readOnce = createRequestReads(2);
    const request = newRequest();
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    await readOnce(request, 'a', read);
    await readOnce(request, 'b', read);
    expect(() => readOnce(request, 'c', read)).toThrow(expect.objectContaining({ code: 'TOO_MANY_STORE_READS', extensions: expect.objectContaining({ maximumStoreReads: 2 }) }));
    expect(reads).toBe(2);
    await readOnce(newRequest(), 'c', read);
    expect(reads).toBe(3);
  });

  test("when the admin reads listed partners' keys, then they count in their own pool of 100, not against the fields' allowance", async () => {
    const readOnce = createRequestReads(2);
    const request = newRequest();
    const read = () => Promise.resolve([]);
    for (let i = 0; i < MAX_PARTNER_KEY_READS; i++) await readOnce(request, `keys ${i}`, read, 'partnerKeys');
    expect(() => readOnce(request, 'keys 100', read, 'partnerKeys')).toThrow(expect.objectContaining({ code: 'TOO_MANY_STORE_READS', extensions: expect.objectContaining({ maximumStoreReads: 100 }) }));
    await readOnce(request, 'partners page', read);
    await readOnce(request, 'settings', read);
    expect(() => readOnce(request, 'installations', read)).toThrow(expect.objectContaining({ code: 'TOO_MANY_STORE_READS' }));
  });
});
