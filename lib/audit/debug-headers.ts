/**
 * Opt-in debug response headers, named exactly as Kindly's API
 * authentication guide lists them ("Debug Authentication Issues"):
 * X-Auth-Method, X-Auth-User-ID, X-Auth-Key-ID, X-Auth-IP,
 * X-Auth-Remaining-Quota. They say who the server took the caller for —
 * never a secret: a user or client id, a key *id*, an address, a count.
 */
export interface DebugFacts {
  method: string;
  subject?: string;
  keyId?: string;
  ip?: string;
  remainingQuota?: number;
}

/** A header value as sent: visible ASCII kept, anything else percent-encoded (no CR/LF can split the response), at most 200 characters. */
function headerValue(v: string): string {
  const safe = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(v) ? v : encodeURIComponent(v);
  return safe.length > 200 ? safe.slice(0, 200) : safe;
}

export function debugHeaders(f: DebugFacts): Record<string, string> {
  const h: Record<string, string> = { 'X-Auth-Method': headerValue(f.method) };
  if (typeof f.subject === 'string' && f.subject) h['X-Auth-User-ID'] = headerValue(f.subject);
  if (typeof f.keyId === 'string' && f.keyId) h['X-Auth-Key-ID'] = headerValue(f.keyId);
  if (typeof f.ip === 'string' && f.ip) h['X-Auth-IP'] = headerValue(f.ip);
  if (Number.isInteger(f.remainingQuota) && (f.remainingQuota as number) >= 0) h['X-Auth-Remaining-Quota'] = String(f.remainingQuota);
  return h;
}
