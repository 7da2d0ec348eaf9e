import { z } from 'zod';
import { formatScore, parseScore } from './storeArguments';

/** One key of the embedded store. `expiresAt` is ms since the epoch (null = forever). */
export type StoreEntry =
  | { kind: 'string'; value: string; expiresAt: number | null }
  | { kind: 'zset'; members: Map<string, number>; expiresAt: number | null };

const SNAPSHOT_FORMAT = 'jobber-gateway-store';

/** Scores are strings in the file because JSON has no infinities. Keys are in an array so `__proto__` is just a key. */
const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(1),
  entries: z.array(
    z.union([
      z.object({ k: z.string(), s: z.string(), e: z.number().optional() }).strict(),
      z.object({ k: z.string(), z: z.array(z.tuple([z.string(), z.string()])), e: z.number().optional() }).strict(),
    ]),
  ),
});

export type ParsedSnapshot = { ok: true; entries: Map<string, StoreEntry> } | { ok: false; reason: string };

/** Reads a store.json text; entries already expired at `now` are dropped. */
export function parseStoreSnapshot(text: string, now: number): ParsedSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `not a store snapshot (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'})` };
  }
  const entries = new Map<string, StoreEntry>();
  for (const raw of parsed.data.entries) {
    const expiresAt = raw.e ?? null;
    if (expiresAt !== null && expiresAt <= now) continue;
    if ('s' in raw) {
      entries.set(raw.k, { kind: 'string', value: raw.s, expiresAt });
      continue;
    }
    const members = new Map<string, number>();
    for (const [member, score] of raw.z) {
      try {
        members.set(member, parseScore(score));
      } catch {
        return { ok: false, reason: `key ${JSON.stringify(raw.k)} has a score that is not a number` };
      }
    }
    if (members.size > 0) entries.set(raw.k, { kind: 'zset', members, expiresAt });
  }
  return { ok: true, entries };
}

/** Writes the live entries (not expired at `now`) as store.json text. */
export function serializeStoreSnapshot(entries: ReadonlyMap<string, StoreEntry>, now: number): string {
  const out: unknown[] = [];
  for (const [k, entry] of entries) {
    if (entry.expiresAt !== null && entry.expiresAt <= now) continue;
    const e = entry.expiresAt === null ? {} : { e: entry.expiresAt };
    if (entry.kind === 'string') out.push({ k, s: entry.value, ...e });
    else out.push({ k, z: [...entry.members].map(([member, score]) => [member, formatScore(score)]), ...e });
  }
  return JSON.stringify({ format: SNAPSHOT_FORMAT, version: 1, entries: out });
}
