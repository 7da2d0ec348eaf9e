import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEncryptionKey } from '../crypto/secretBox';

/**
 * The keys of the secret box, primary first. With Redis the key must come from the environment
 * (config enforces it); the embedded store may keep a generated one in `DATA_DIR/encryption.key`
 * (mode 0600), so `npm run demo` needs no configuration and restarts keep their installations.
 */
export async function loadEncryptionKeys(options: {
  encryptionKey: string | undefined;
  previousEncryptionKeys: string[];
  dataDir: string | null;
}): Promise<{ keys: Buffer[]; generated: boolean }> {
  const previous = options.previousEncryptionKeys.map(parseEncryptionKey);
  if (options.encryptionKey) return { keys: [parseEncryptionKey(options.encryptionKey), ...previous], generated: false };
  if (!options.dataDir) throw new Error('GATEWAY_ENCRYPTION_KEY is required without a data directory');
  const path = join(options.dataDir, 'encryption.key');
  try {
    return { keys: [parseEncryptionKey((await readFile(path, 'utf8')).trim()), ...previous], generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(options.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  await writeFile(path, key + '\n', { mode: 0o600, flag: 'wx' });
  return { keys: [parseEncryptionKey(key), ...previous], generated: true };
}
