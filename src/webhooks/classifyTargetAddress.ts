import ipaddr from 'ipaddr.js';

/**
 * Whether the gateway may open a connection to `address` (an IP address, not a name). Only global
 * unicast is allowed; `range` names ipaddr.js' special range otherwise (loopback, private, linkLocal,
 * uniqueLocal, carrierGradeNat, unspecified, multicast, broadcast, reserved, rfc6052 (NAT64), 6to4,
 * teredo, …), `ipv4Compatible` for the deprecated ::a.b.c.d form, `invalid` for a non-address.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries. Pure.
 */
export function classifyTargetAddress(address: string): { allowed: boolean; range: string } {
  if (!ipaddr.isValid(address)) return { allowed: false, range: 'invalid' };
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    // ::/96 (IPv4-compatible, deprecated by RFC 4291) is not in ipaddr.js' table; nothing legitimate uses it.
    if (parts.slice(0, 6).every((part) => part === 0) && parsed.range() !== 'unspecified' && parsed.range() !== 'loopback') {
      return { allowed: false, range: 'ipv4Compatible' };
    }
  }
  const range = parsed.range();
  return { allowed: range === 'unicast', range };
}
