/**
 * Whether a JSON value (parsed) nests arrays and objects deeper than `maxNesting` (a scalar is 0, `{}`
 * and `[]` are 1, `{"a":[1]}` is 2). JSON.parse takes any nesting, but JSON.stringify and graphql-js'
 * coercion recurse once per level and overflow the stack at a few thousand: variables nested that deep
 * must be refused before anything serializes or coerces them. Iterative; stops at the first level past
 * the bound, so it costs at most the size of what it reads. Pure.
 */
export function exceedsNesting(value: unknown, maxNesting: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const pending: [object, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (depth > maxNesting) return true;
    const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
  return false;
}
