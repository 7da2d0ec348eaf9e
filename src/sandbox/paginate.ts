/** Relay connection arguments as Jobber takes them. */
export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface Connection<T> {
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

/** Jobber's page size cap (JOBBER.md: a page holds at most 100 nodes). */
export const MAX_PAGE_SIZE = 100;

/** Opaque cursor of the item at `index` (base64, like Jobber's). */
export function encodeCursor(index: number): string {
  return Buffer.from(String(index + 1), 'utf8').toString('base64');
}

/** The index a cursor names, or undefined for a cursor this sandbox did not issue. */
export function decodeCursor(cursor: string): number | undefined {
  const n = Number(Buffer.from(cursor, 'base64').toString('utf8'));
  return Number.isInteger(n) && n >= 1 ? n - 1 : undefined;
}

/**
 * Relay pagination over an in-memory list: `after`/`before` narrow the window, then `first` takes
 * from its start or `last` from its end, capped at {@link MAX_PAGE_SIZE} (also the default).
 */
export function paginate<T>(items: readonly T[], args: ConnectionArgs): Connection<T> {
  let start = 0;
  let end = items.length;
  const afterIndex = args.after ? decodeCursor(args.after) : undefined;
  if (afterIndex !== undefined) start = Math.min(afterIndex + 1, end);
  const beforeIndex = args.before ? decodeCursor(args.before) : undefined;
  if (beforeIndex !== undefined) end = Math.max(Math.min(beforeIndex, end), start);

  const first = clampSize(args.first);
  const last = clampSize(args.last);
  if (first !== undefined) end = Math.min(end, start + first);
  else if (last !== undefined) start = Math.max(start, end - last);
  else end = Math.min(end, start + MAX_PAGE_SIZE);

  const edges: Connection<T>['edges'] = [];
  for (let i = start; i < end; i++) edges.push({ cursor: encodeCursor(i), node: items[i] as T });
  return {
    nodes: edges.map((edge) => edge.node),
    edges,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount: items.length,
  };
}

function clampSize(size: number | null | undefined): number | undefined {
  if (size === null || size === undefined) return undefined;
  return Math.max(0, Math.min(MAX_PAGE_SIZE, Math.floor(size)));
}
