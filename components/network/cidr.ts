// IPv4 CIDR arithmetic for the network's rules and vSwitch planning (inputs are valid CIDRs:
// the config's cidrPattern checks them first).

export interface CidrRange {
  readonly first: number;
  readonly last: number;
  readonly prefixLength: number;
}

export function parseCidr(cidr: string): CidrRange {
  const [address, prefix] = cidr.split("/");
  const prefixLength = Number(prefix);
  const value = address.split(".").reduce((total, octet) => total * 256 + Number(octet), 0);
  const size = 2 ** (32 - prefixLength);
  const first = Math.floor(value / size) * size;
  return { first, last: first + size - 1, prefixLength };
}

function formatAddress(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

export function contains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  return b.first >= a.first && b.last <= a.last;
}

export function overlaps(left: string, right: string): boolean {
  const a = parseCidr(left);
  const b = parseCidr(right);
  return a.first <= b.last && b.first <= a.last;
}

/** True for a block that admits every address (0.0.0.0/0 or any other /0). */
export function isWholeInternet(cidr: string): boolean {
  return parseCidr(cidr).prefixLength === 0;
}

/**
 * Splits `vpcCidr` into `count` equal blocks, 16 times smaller than the VPC
 * (a /16 gives /20s of 4,096 addresses), never smaller than a /29.
 */
export function planSubnets(vpcCidr: string, count: number): string[] {
  const vpc = parseCidr(vpcCidr);
  const prefixLength = Math.min(vpc.prefixLength + 4, 29);
  const size = 2 ** (32 - prefixLength);
  const available = 2 ** (prefixLength - vpc.prefixLength);
  if (count > available) {
    throw new RangeError(`${vpcCidr} has room for ${available} subnets, not ${count}`);
  }
  return Array.from({ length: count }, (_, index) => {
    return `${formatAddress(vpc.first + index * size)}/${prefixLength}`;
  });
}
