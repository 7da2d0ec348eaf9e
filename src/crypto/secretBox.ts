import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ErrorCode, GatewayError } from '../errors/gatewayError';

/**
 * Authenticated encryption of secrets at rest (DESIGN.md "Tokens"): AES-256-GCM with a random 12-byte IV,
 * the record's store key as associated data (so a ciphertext copied into another record fails to open),
 * and a key id in front so the primary key can be rotated while older keys stay readable.
 */
export interface SecretBox {
  /** Encrypts with the primary key. Output: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). */
  seal(plaintext: string, aad: string): string;
  /** Decrypts with the key named in `sealed`; throws GatewayError INTERNAL_SERVER_ERROR on any failure. */
  open(sealed: string, aad: string): string;
  /** The key id new data is sealed with (first 8 hex chars of sha256(key)); not secret. */
  readonly primaryKeyId: string;
}

export interface SecretBoxOptions {
  /** 32-byte keys. The first is the primary (used to seal); the others are previous keys kept for reading. */
  keys: readonly Buffer[];
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** The public id of a key: first 8 hex chars of its SHA-256 (reveals nothing usable about the key). */
export function buildKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function createSecretBox(options: SecretBoxOptions): SecretBox {
  const [primary] = options.keys;
  if (!primary) throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'createSecretBox needs at least one key');
  const byId = new Map<string, Buffer>();
  for (const key of options.keys) {
    if (key.length !== KEY_BYTES) {
      throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, `encryption keys must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    // The first key with a given id wins, so the primary is never shadowed by a duplicate older key.
    if (!byId.has(buildKeyId(key))) byId.set(buildKeyId(key), Buffer.from(key));
  }
  const primaryKeyId = buildKeyId(primary);
  const primaryKey = Buffer.from(primary);

  const fail = (reason: string, cause?: unknown): GatewayError =>
    new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, `cannot decrypt stored secret: ${reason}`, { cause });

  return {
    primaryKeyId,
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', primaryKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [FORMAT, primaryKeyId, iv.toString('base64url'), tag.toString('base64url'), ct.toString('base64url')].join('.');
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts.length !== 5 || parts[0] !== FORMAT) throw fail('unknown format');
      const [, keyId, ivText, tagText, ctText] = parts as [string, string, string, string, string];
      const key = byId.get(keyId);
      if (!key) throw fail(`unknown key id ${keyId} (is the previous encryption key configured?)`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw fail('malformed envelope');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // No cause: the crypto error says nothing useful and we keep key material out of logs entirely.
        throw fail('authentication failed (tampered, moved to another record, or wrong key)');
      }
    },
  };
}

/**
 * Parses `GATEWAY_ENCRYPTION_KEY` (and its previous-key sibling): base64 (or base64url) of exactly 32 bytes.
 * The error never repeats the value.
 */
export function parseEncryptionKey(base64: string): Buffer {
  const text = base64.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new GatewayError(ErrorCode.INTERNAL_SERVER_ERROR, 'encryption key must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`)');
  }
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new GatewayError(
      ErrorCode.INTERNAL_SERVER_ERROR,
      `encryption key must decode to exactly ${KEY_BYTES} bytes, got ${key.length} (e.g. \`openssl rand -base64 32\`)`,
    );
  }
  return key;
}
