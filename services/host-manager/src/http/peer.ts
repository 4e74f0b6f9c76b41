// The address a request or a socket comes from: the TCP peer, never a header a client
// can write (X-Forwarded-For): the hosts reach the service directly in the VPC, with no
// proxy between that could vouch for one. IPv4-mapped IPv6 (::ffff:a.b.c.d, from a
// dual-stack listener) is given as the IPv4 address, so one host has one key.
import type { Socket } from "node:net";

export function peerAddress(socket: Pick<Socket, "remoteAddress"> | undefined): string {
  const address = socket?.remoteAddress ?? "";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** 127.0.0.0/8 and ::1: this machine. */
export function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}
