/**
 * Which address is "the client": the socket peer, unless the peer is a proxy
 * we trust, in which case X-Forwarded-For is read right to left (the order
 * proxies append in) and the first untrusted hop wins — the same rule as
 * Express/proxy-addr and nginx `real_ip_recursive on`.
 */
import { parseAddress, type ParsedAddress } from './address';
import type { IpSet } from './ip-set';

/**
 * @param peer          socket remote address (`req.socket.remoteAddress`)
 * @param forwardedFor  X-Forwarded-For values; an array is repeated headers
 *                      in arrival order (Node's `req.headersDistinct`)
 * @param trustedProxies proxies allowed to speak for the client
 * @returns the client address, or undefined when it cannot be determined
 *          (callers must treat undefined as "deny").
 */
export function resolveClientIp(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trustedProxies?: IpSet,
): ParsedAddress | undefined {
  const socket = peer === undefined ? undefined : parseAddress(peer);
  if (!socket) return undefined;

  // Headers are client-controlled unless a trusted proxy wrote them (I1).
  if (!trustedProxies || trustedProxies.size === 0 || !trustedProxies.has(socket)) return socket;

  const hops = mergeForwardedFor(forwardedFor);
  let client = socket;
  for (let i = hops.length - 1; i >= 0; i--) {
    // Strict: ports, brackets, `unknown`, obfuscated ids and empty entries all
    // fail closed rather than being skipped (skipping would let a client
    // smuggle its own choice past the proxy).
    const hop = parseAddress(hops[i]);
    if (!hop) return undefined;
    if (!trustedProxies.has(hop)) return hop;
    client = hop; // all trusted so far: the leftmost one is the answer
  }
  return client;
}

/** Repeated headers are one list (RFC 9110 §5.3); entries are comma-separated. */
function mergeForwardedFor(forwardedFor: string | readonly string[] | undefined): string[] {
  if (forwardedFor === undefined) return [];
  const values = typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor;
  const hops: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string') {
      hops.push(''); // unparseable: fails closed if the walk reaches it
      continue;
    }
    for (const entry of value.split(',')) hops.push(entry.trim());
  }
  return hops;
}
