/**
 * Names one installation: the connector installed by one partner for one of its accounts.
 * Every store key of one installation carries the same Redis Cluster hash tag, so scripts that
 * touch several of them stay on one slot.
 */
export interface InstallationRef {
  partnerId: string;
  accountId: string;
}

/** The hash tag shared by every key of one installation. */
export function buildInstallationTag(ref: InstallationRef): string {
  return `{i:${ref.partnerId}:${ref.accountId}}`;
}

/** `jg:{i:<partner>:<account>}:<suffix>`, e.g. suffix `tokens`, `refresh-lock`, `installation`. */
export function buildInstallationKey(ref: InstallationRef, suffix: string): string {
  return `jg:${buildInstallationTag(ref)}:${suffix}`;
}

/** `jg:{p:<partner>}:<suffix>` for partner-level records (settings, installation index). */
export function buildPartnerKey(partnerId: string, suffix: string): string {
  return `jg:{p:${partnerId}}:${suffix}`;
}

/** Account ids are named by partners: 1-128 chars of [A-Za-z0-9._:-] (DESIGN.md "Vocabulary"). */
export function isValidAccountId(value: string): boolean {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(value);
}

/** Encodes a ref as one string member (sorted-set members, queue items). Account ids never contain '/'. */
export function encodeInstallationRef(ref: InstallationRef): string {
  return `${ref.partnerId}/${ref.accountId}`;
}

export function decodeInstallationRef(member: string): InstallationRef | undefined {
  const slash = member.indexOf('/');
  if (slash <= 0) return undefined;
  return { partnerId: member.slice(0, slash), accountId: member.slice(slash + 1) };
}
