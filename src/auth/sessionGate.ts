import type { Clock } from '../core/deps';
import { encodeInstallationRef, type InstallationRef } from '../core/installationRef';

/** What decides whether an installation's sessions work, besides each session's own record. */
export interface SessionStanding {
  /** The installation is INSTALLED. */
  installed: boolean;
  partnerDisabled: boolean;
  /** Sessions stamped with a lower generation were revoked (revokeAccountSessions, uninstall, disconnect...). */
  accountGeneration: number;
  /** Same, partner-wide (revokePartnerSessions). */
  partnerGeneration: number;
}

export interface SessionGateOptions {
  clock: Clock;
  /** Reads the standing from the store. */
  read(ref: InstallationRef): Promise<SessionStanding>;
  /** How long a standing is trusted before it is read again (ms): the fallback for a lost invalidation. */
  recheckMs: number;
  /** Entries kept at most (cleared when full). Default 10000. */
  maxEntries?: number;
}

interface Entry {
  partnerId: string;
  standing: SessionStanding;
  checkedAt: number;
}

/**
 * Each installation's standing in process memory, so a session request reads only its session record:
 * read again at most once per `recheckMs` per installation (one read at a time), and dropped at once when
 * the invalidation channel says it changed.
 */
export function createSessionGate(options: SessionGateOptions) {
  const { clock, read, recheckMs } = options;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<SessionStanding>>();
  /** Bumped by every forget: a read that started before it must not cache what it saw. */
  let forgets = 0;

  function load(ref: InstallationRef, id: string): Promise<SessionStanding> {
    const running = pending.get(id);
    if (running) return running;
    const startedAt = forgets;
    const loading = read(ref)
      .then((standing) => {
        if (forgets === startedAt) {
          if (entries.size >= maxEntries) entries.clear();
          entries.set(id, { partnerId: ref.partnerId, standing, checkedAt: clock.now() });
        }
        return standing;
      })
      .finally(() => pending.delete(id));
    pending.set(id, loading);
    return loading;
  }

  return {
    /** The standing, from memory when checked within `recheckMs`; `fresh` reads the store in any case. */
    standing(ref: InstallationRef, options: { fresh?: boolean } = {}): Promise<SessionStanding> {
      const id = encodeInstallationRef(ref);
      const entry = entries.get(id);
      if (!options.fresh && entry && clock.now() - entry.checkedAt < recheckMs) return Promise.resolve(entry.standing);
      return load(ref, id);
    },
    forgetInstallation(ref: InstallationRef): void {
      forgets++;
      entries.delete(encodeInstallationRef(ref));
    },
    forgetPartner(partnerId: string): void {
      forgets++;
      for (const [id, entry] of entries) if (entry.partnerId === partnerId) entries.delete(id);
    },
  };
}
