/**
 * Strict IP address parsing. One canonical form per address so that rule
 * matching, logging and audit events agree on what "the client IP" is.
 */
import { isIPv4, isIPv6 } from 'net';
import * as ipaddr from 'ipaddr.js';

export interface ParsedAddress {
  readonly family: 4 | 6;
  /** Network-order bytes: 4 for IPv4 (including IPv4-mapped IPv6), 16 for IPv6. */
  readonly bytes: Uint8Array;
  /** Canonical text: dotted quad for IPv4, RFC 5952 compressed lowercase for IPv6. */
  readonly text: string;
}

// Longest legal IPv6 text is 45 chars; anything longer is not worth a regex.
const MAX_LEN = 64;

// ipaddr.js rewrites `::a.b.c.d` (RFC 4291 IPv4-*compatible*) into
// `::ffff:a.b.c.d` (IPv4-*mapped*), so `::0.0.0.0/96` would turn into the IPv4
// rule 0.0.0.0/0. Spelling the zero group out keeps the RFC meaning.
const COMPAT_V4 = /^::(\d{1,3}(?:\.\d{1,3}){3})$/;

const MAPPED_PREFIX = /^::ffff:/i;

/**
 * Parse a bare IPv4 or IPv6 address. Returns undefined for anything else:
 * surrounding whitespace, ports, brackets, zone ids (`%eth0`), leading-zero
 * octets (`010.0.0.1`, ambiguous octal), short forms (`10.1`), hex quads.
 *
 * IPv4-mapped IPv6 (`::ffff:10.1.2.3`) becomes family 4: Node dual-stack
 * sockets report IPv4 peers that way and they must match IPv4 rules.
 */
export function parseAddress(s: string): ParsedAddress | undefined {
  if (typeof s !== 'string' || s.length === 0 || s.length > MAX_LEN) return undefined;

  // Also how a dual-stack socket reports every IPv4 peer (::ffff:a.b.c.d): ipaddr.js would cost 20× more.
  const v4 = ipv4Text(s);
  if (v4 !== undefined) return parseIPv4(v4);

  // Zone ids only make sense on the host that owns the interface; a rule or
  // header carrying one is either a mistake or an attempt to confuse matching.
  if (s.includes('%') || !isIPv6(s)) return undefined;

  let addr: ipaddr.IPv6;
  try {
    addr = ipaddr.IPv6.parse(s.replace(COMPAT_V4, '::0:$1'));
  } catch {
    return undefined; // net and ipaddr disagree: fail closed
  }
  if (addr.isIPv4MappedAddress()) {
    const v4 = addr.toIPv4Address();
    return { family: 4, bytes: Uint8Array.from(v4.octets), text: v4.toString() };
  }
  return { family: 6, bytes: Uint8Array.from(addr.toByteArray()), text: addr.toRFC5952String() };
}

/** A dotted quad net.isIPv4 accepted: it already refused leading zeros, so the text is canonical. */
function parseIPv4(s: string): ParsedAddress {
  const bytes = new Uint8Array(4);
  const parts = s.split('.');
  for (let i = 0; i < 4; i++) bytes[i] = Number(parts[i]);
  return { family: 4, bytes, text: s };
}

/** Canonical text for raw bytes (used when printing rules). */
export function formatBytes(family: 4 | 6, bytes: Uint8Array): string {
  if (family === 4) return Array.from(bytes).join('.');
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}

/**
 * A socket peer address as audit events and msg.auth show it: canonical text
 * (IPv4-mapped IPv6 as IPv4), anything unparseable kept as it was.
 */
export function peerAddressText(peer: string | undefined): string | undefined {
  if (peer === undefined) return undefined;
  return ipv4Text(peer) ?? parseAddress(peer)?.text ?? peer;
}

/** The dotted quad of an IPv4 or `::ffff:`-mapped address, without building bytes (per-request paths); else undefined. */
export function ipv4Text(s: string): string | undefined {
  if (isIPv4(s)) return s;
  if (MAPPED_PREFIX.test(s) && isIPv4(s.slice(7))) return s.slice(7);
  return undefined;
}
