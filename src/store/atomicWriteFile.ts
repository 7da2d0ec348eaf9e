import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old or the new
 * content, never a torn file: write a temp file beside it, fsync it, rename over, fsync the folder
 * (so the rename itself survives a power loss).
 */
export async function atomicWriteFile(path: string, data: string): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await fs.open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, path);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  const folder = await fs.open(dirname(path), 'r');
  try {
    await folder.sync();
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  } finally {
    await folder.close();
  }
}
