import { BlockList, isIP } from 'node:net';

/**
 * The set of IP addresses a callback may connect to. Production allows public unicast
 * addresses only; the sandbox also allows loopback, so local receivers work. Private,
 * link-local (including cloud metadata at 169.254.169.254), shared, multicast,
 * documentation and reserved ranges are refused in both modes.
 */
export type AddressPolicy = 'public' | 'public-or-loopback';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // IPv4-compatible (deprecated, RFC 4291) and IPv4-translated (RFC 2765) forms carry an
  // IPv4 address that some stacks route, so they are rejected whatever address they embed.
  ['::', 96],
  ['::ffff:0:0:0', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['3fff::', 20],
  ['5f00::', 16],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Returns the IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), or undefined. */
function mappedIpv4(address: string): string | undefined {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (match) {
    return match[1];
  }
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = Number.parseInt(hex[1] as string, 16);
    const low = Number.parseInt(hex[2] as string, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return undefined;
}

export function isAllowedAddress(address: string, policy: AddressPolicy): boolean {
  const family = isIP(address);
  if (family === 0) {
    return false;
  }
  const ipv4 = family === 6 ? mappedIpv4(address) : address;
  const [checked, type] = ipv4 !== undefined ? [ipv4, 'ipv4' as const] : [address, 'ipv6' as const];
  if (policy === 'public-or-loopback' && LOOPBACK.check(checked, type)) {
    return true;
  }
  return !NON_PUBLIC.check(checked, type);
}
