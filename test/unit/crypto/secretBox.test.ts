import { randomBytes } from 'node:crypto';
import { buildKeyId, createSecretBox, parseEncryptionKey } from '../../../src/crypto/secretBox';
import { ErrorCode, GatewayError } from '../../../src/errors/gatewayError';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const aad = 'jg:{i:p1:acct-1}:tokens';
const secret = 'refresh-token-SECRET-value';

function expectDecryptFailure(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    const gatewayError = error as GatewayError;
    expect(gatewayError.code).toBe(ErrorCode.INTERNAL_SERVER_ERROR);
    expect(gatewayError.message).not.toContain(secret);
    expect(gatewayError.message).not.toContain(keyA.toString('base64'));
    return gatewayError;
  }
  throw new Error('expected open() to throw');
}

describe('createSecretBox', () => {
  test('when sealing and opening with the same key and AAD, then the plaintext comes back', () => {
    const box = createSecretBox({ keys: [keyA] });
    expect(box.open(box.seal(secret, aad), aad)).toBe(secret);
  });

  test('when sealing, then the output is v1.<keyId>.<iv>.<tag>.<ct> with no plaintext and a fresh IV each time', () => {
    const box = createSecretBox({ keys: [keyA] });
    const first = box.seal(secret, aad);
    const second = box.seal(secret, aad);
    expect(first).not.toBe(second);
    const parts = first.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(buildKeyId(keyA));
    expect(parts[1]).toMatch(/^[0-9a-f]{8}$/);
    expect(Buffer.from(parts[2] ?? '', 'base64url')).toHaveLength(12);
    expect(first).not.toContain(secret);
    expect(first).not.toContain(Buffer.from(secret).toString('base64url'));
  });

  test('when the AAD differs (ciphertext moved to another record), then open throws', () => {
    const box = createSecretBox({ keys: [keyA] });
    const sealed = box.seal(secret, aad);
    expectDecryptFailure(() => box.open(sealed, 'jg:{i:p1:acct-2}:tokens'));
  });

  test.each([
    ['ciphertext', 4],
    ['tag', 3],
    ['iv', 2],
  ])('when the %s is tampered with, then open throws', (_name, index) => {
    const box = createSecretBox({ keys: [keyA] });
    const parts = box.seal(secret, aad).split('.');
    const bytes = Buffer.from(parts[index] ?? '', 'base64url');
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    parts[index] = bytes.toString('base64url');
    expectDecryptFailure(() => box.open(parts.join('.'), aad));
  });

  test('when the key id is unknown, then open throws a message naming the id and not the key', () => {
    const sealed = createSecretBox({ keys: [keyB] }).seal(secret, aad);
    const error = expectDecryptFailure(() => createSecretBox({ keys: [keyA] }).open(sealed, aad));
    expect(error.message).toContain(buildKeyId(keyB));
  });

  test.each([['garbage'], ['v2.a.b.c.d'], ['v1.abc.def'], ['']])('when the envelope is %j, then open throws', (sealed) => {
    expectDecryptFailure(() => createSecretBox({ keys: [keyA] }).open(sealed, aad));
  });

  test('when the primary key is rotated with the old one kept, then old data opens and new data uses the new key', () => {
    const oldBox = createSecretBox({ keys: [keyA] });
    const sealedWithOld = oldBox.seal(secret, aad);
    const rotated = createSecretBox({ keys: [keyB, keyA] });
    expect(rotated.open(sealedWithOld, aad)).toBe(secret);
    const sealedWithNew = rotated.seal(secret, aad);
    expect(sealedWithNew.split('.')[1]).toBe(buildKeyId(keyB));
    expect(rotated.primaryKeyId).toBe(buildKeyId(keyB));
    expectDecryptFailure(() => oldBox.open(sealedWithNew, aad));
  });

  test.each([[[]], [[randomBytes(16)]], [[keyA, randomBytes(31)]]])('when the keys are %p, then creation throws', (keys) => {
    expect(() => createSecretBox({ keys })).toThrow(GatewayError);
  });
});

describe('parseEncryptionKey', () => {
  test.each([
    ['base64', keyA.toString('base64')],
    ['base64url', keyA.toString('base64url')],
    ['base64 with surrounding whitespace', ` ${keyA.toString('base64')}\n`],
  ])('when given %s of 32 bytes, then it returns those bytes', (_name, text) => {
    expect(parseEncryptionKey(text).equals(keyA)).toBe(true);
  });

  test.each([
    ['31 bytes', randomBytes(31).toString('base64')],
    ['33 bytes', randomBytes(33).toString('base64')],
    ['not base64', 'this is not a key!'],
    ['empty', ''],
  ])('when given %s, then it throws a clear error without the value', (_name, text) => {
    expect(() => parseEncryptionKey(text)).toThrow(/32 (random )?bytes/);
    try {
      parseEncryptionKey(text);
    } catch (error) {
      if (text !== '') expect((error as Error).message).not.toContain(text);
    }
  });
});
