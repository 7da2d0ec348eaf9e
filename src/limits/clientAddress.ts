import ipaddr from 'ipaddr.js';

/**
 * The client's address as the gateway should count it. With `trustedProxyHops` 0 (the default) the
 * socket's peer, whatever `X-Forwarded-For` claims (anyone can write that header). With N > 0, N proxies
 * of the operator's stand in front and each appended the address it received from: the client is the
 * N-th address from the right of the chain socket-peer + X-Forwarded-For read right to left (what
 * express's `trust proxy` N picks); a shorter chain gives its leftmost address. Pure.
 */
export function clientAddressOf(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustedProxyHops: number): string {
  const peer = socketAddress ?? 'unknown';
  if (trustedProxyHops <= 0 || forwardedFor === undefined) return peer;
  const listed = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  const chain = [peer, ...listed.reverse()];
  return chain[Math.min(trustedProxyHops, chain.length - 1)] ?? peer;
}

/**
 * The key a client address is budgeted under: an IPv4 address as it is (IPv4-mapped IPv6 included), an
 * IPv6 address by its /64 (one host usually holds a whole /64, so one budget per address would give it
 * 2^64 of them); anything that is not an address, as written. Pure.
 */
export function budgetKeyOf(address: string): string {
  if (!address.includes(':')) return address;
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (!ipaddr.IPv6.isValid(address)) return address;
  const parts = ipaddr.IPv6.parse(address).parts;
  return `${parts.slice(0, 4).map((part) => part.toString(16)).join(':')}::/64`;
}
