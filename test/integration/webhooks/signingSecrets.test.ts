import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../../../src/crypto/secretBox';
import { buildPartnerKey } from '../../../src/core/installationRef';
import { createRedisStore } from '../../../src/store/redisStore';
import type { Store } from '../../../src/store/store';
import { createSigningSecrets } from '../../../src/webhooks/signingSecrets';
import { testRedisUrl, uniqueKeyPrefix } from '../../support/redisUrl';

describe('partner signing secrets', () => {
  let store: Store;
  const secretBox = createSecretBox({ keys: [randomBytes(32)] });

  beforeEach(() => {
    store = createRedisStore({ url: testRedisUrl(), keyPrefix: uniqueKeyPrefix('ss') });
  });
  afterEach(async () => {
    await store.close();
  });

  test('when a partner never made a secret, then get answers null', async () => {
    expect(await createSigningSecrets({ store, secretBox }).get('p1')).toBeNull();
  });

  test('when a secret is rotated, then it is returned once, readable after, and never stored in the clear', async () => {
    const secrets = createSigningSecrets({ store, secretBox });
    const secret = await secrets.rotate('p1');

    // Standard Webhooks' format: whsec_ and the standard base64 of the key (32 bytes here).
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(await secrets.get('p1')).toBe(secret);
    const stored = await store.get(buildPartnerKey('p1', 'webhook-signing-secret'));
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(secret.slice('whsec_'.length));
  });

  test('when a secret is rotated again, then the old one is gone and other partners keep theirs', async () => {
    const secrets = createSigningSecrets({ store, secretBox });
    const first = await secrets.rotate('p1');
    const other = await secrets.rotate('p2');
    const second = await secrets.rotate('p1');

    expect(second).not.toBe(first);
    expect(await secrets.get('p1')).toBe(second);
    expect(await secrets.get('p2')).toBe(other);
  });

  test('when many processes ask getOrCreate at once, then they all agree on one secret, which rotate then replaces', async () => {
    const processes = Array.from({ length: 5 }, () => createSigningSecrets({ store, secretBox }));
    const seen = await Promise.all(processes.map((secrets) => secrets.getOrCreate('p1')));

    expect(new Set(seen).size).toBe(1);
    expect(await processes[0]!.get('p1')).toBe(seen[0]);
    const rotated = await processes[1]!.rotate('p1');
    expect(await processes[2]!.getOrCreate('p1')).toBe(rotated);
  });
});
