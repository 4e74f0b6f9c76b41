// IPv4 CIDR blocks as address ranges, for the rules that judge a rule's source. The pack
// imports nothing of the program's (it runs beside any program), so it keeps its own.

export interface Ipv4Block {
  readonly first: number;
  readonly last: number;
}

/** The range of an IPv4 CIDR ("10.42.0.0/20"), or undefined for anything else (IPv6, junk). */
export function parseIpv4Cidr(cidr: unknown): Ipv4Block | undefined {
  const match =
    typeof cidr === "string" &&
    /^\s*(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})\s*$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefixLength > 32) return undefined;
  const size = 2 ** (32 - prefixLength);
  const address = octets.reduce((total, octet) => total * 256 + octet, 0);
  const first = Math.floor(address / size) * size;
  return { first, last: first + size - 1 };
}

export function blockContains(outer: Ipv4Block, inner: Ipv4Block): boolean {
  return inner.first >= outer.first && inner.last <= outer.last;
}

export function blocksOverlap(left: Ipv4Block, right: Ipv4Block): boolean {
  return left.first <= right.last && right.first <= left.last;
}
