import { budgetKeyOf, clientAddressOf } from '../../../src/limits/clientAddress';

describe('clientAddressOf', () => {
  test.each<[string, string | undefined, string | string[] | undefined, number, string]>([
    ['no proxy is trusted: a forged X-Forwarded-For is ignored', '203.0.113.9', '127.0.0.1', 0, '203.0.113.9'],
    ['no header', '203.0.113.9', undefined, 1, '203.0.113.9'],
    ['one trusted proxy: the address it appended', '10.0.0.2', '198.51.100.7', 1, '198.51.100.7'],
    ['one trusted proxy: what the client wrote before it is not trusted', '10.0.0.2', '127.0.0.1, 198.51.100.7', 1, '198.51.100.7'],
    ['two trusted proxies', '10.0.0.2', '127.0.0.1, 198.51.100.7, 10.0.0.9', 2, '198.51.100.7'],
    ['more hops than addresses: the leftmost', '10.0.0.2', '198.51.100.7', 3, '198.51.100.7'],
    ['the header sent twice (joined in order)', '10.0.0.2', ['127.0.0.1', '198.51.100.7'], 1, '198.51.100.7'],
    ['empty entries are skipped', '10.0.0.2', '198.51.100.7, ,', 1, '198.51.100.7'],
    ['no socket address (a closed socket)', undefined, undefined, 0, 'unknown'],
  ])('when %s, then the client is as listed', (_name, socket, forwarded, hops, expected) => {
    expect(clientAddressOf(socket, forwarded, hops)).toBe(expected);
  });
});

describe('budgetKeyOf', () => {
  test.each([
    ['IPv4', '203.0.113.9', '203.0.113.9'],
    ['IPv4-mapped IPv6 (how Node reports IPv4 on a dual-stack socket)', '::ffff:203.0.113.9', '203.0.113.9'],
    ['IPv6: its /64', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['IPv6 in another /64 of the same /48', '2001:db8:1:3::1', '2001:db8:1:3::/64'],
    ['IPv6 loopback', '::1', '0:0:0:0::/64'],
    ['not an address', 'unknown', 'unknown'],
  ])('when the address is %s, then the key is as listed', (_name, address, expected) => {
    expect(budgetKeyOf(address)).toBe(expected);
  });

  test('when two addresses share a /64, then they share a budget key', () => {
    expect(budgetKeyOf('2001:db8:1:2::a')).toBe(budgetKeyOf('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  });
});
