import ipaddr from 'ipaddr.js';

/**
 * Whether the service may open a connection to an IP address on a tenant's behalf (a webhook): only to the public
 * internet. Everything else is refused, named by its range:
 *
 * - IPv4: whatever ipaddr.js does not call `unicast`: unspecified (0/8), private (10/8, 172.16/12, 192.168/16),
 *   carrier-grade NAT (100.64/10), loopback (127/8), link-local (169.254/16: the instance metadata service at
 *   169.254.169.254, ECS task metadata at 169.254.170.2), multicast, broadcast, and the reserved, documentation,
 *   benchmarking, AS112 and AMT ranges.
 * - IPv6: only global unicast (2000::/3) outside ipaddr.js's special ranges (documentation, benchmarking, ORCHID,
 *   Teredo, 6to4, ...): so not the loopback, unspecified, unique-local fc00::/7 (fd00:ec2::254, the metadata service
 *   over IPv6), link-local, site-local, multicast or discard-only addresses.
 * - IPv4 inside IPv6: an IPv4-mapped (::ffff:a.b.c.d) or NAT64 (64:ff9b::a.b.c.d) address reaches that IPv4 address,
 *   so it is judged as that address; the deprecated IPv4-compatible (::a.b.c.d), SIIT (::ffff:0:a.b.c.d) and
 *   local-use NAT64 (64:ff9b:1::/48) forms are refused outright.
 */
export type AddressVerdict = { allowed: true } | { allowed: false; range: string };

/** ipaddr.js's range names, in words. */
const RANGE_LABELS: Readonly<Record<string, string>> = {
  carrierGradeNat: 'carrier-grade NAT',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  deprecatedSiteLocal: 'site-local',
  discard: 'discard-only',
  rfc6145: 'IPv4-translated',
  rfc6052: 'local-use NAT64',
  '6to4': '6to4 tunnel',
  teredo: 'Teredo tunnel',
  as112: 'reserved (AS112)',
  as112v6: 'reserved (AS112)',
  amt: 'reserved (AMT)',
  deprecatedOrchid: 'reserved (ORCHID)',
  orchid2: 'reserved (ORCHIDv2)',
  droneRemoteIdProtocolEntityTags: 'reserved (DRIP)',
  segmentRouting: 'reserved (segment routing)',
};
const labelOf = (range: string) => RANGE_LABELS[range] ?? range;

const GLOBAL_UNICAST: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];
const IPV4_COMPATIBLE: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('::'), 96];
const WELL_KNOWN_NAT64: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('64:ff9b::'), 96];

export function classifyAddress(address: string): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { allowed: false, range: 'not an IP address' };
  }
  return parsed.kind() === 'ipv4' ? classifyIPv4(parsed as ipaddr.IPv4) : classifyIPv6(parsed as ipaddr.IPv6);
}

function classifyIPv4(address: ipaddr.IPv4): AddressVerdict {
  const range = address.range();
  return range === 'unicast' ? { allowed: true } : { allowed: false, range: labelOf(range) };
}

function classifyIPv6(address: ipaddr.IPv6): AddressVerdict {
  if (address.isIPv4MappedAddress()) return embedded(address.toIPv4Address(), 'IPv4-mapped');
  if (address.match(WELL_KNOWN_NAT64)) return embedded(lastIPv4Of(address), 'NAT64');
  const range = address.range();
  if (range !== 'unicast') return { allowed: false, range: labelOf(range) };
  if (address.match(IPV4_COMPATIBLE)) return { allowed: false, range: 'IPv4-compatible' };
  if (!address.match(GLOBAL_UNICAST)) return { allowed: false, range: 'reserved' };
  return { allowed: true };
}

/** An IPv6 form that reaches an IPv4 address is as allowed as that address. */
function embedded(ipv4: ipaddr.IPv4, form: string): AddressVerdict {
  const verdict = classifyIPv4(ipv4);
  return verdict.allowed ? verdict : { allowed: false, range: `${verdict.range} (${form} ${ipv4.toString()})` };
}

function lastIPv4Of(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12, 16));
}
