/**
 * The payload of a compact JWS, NOT verified: only to find out which client
 * claims to have signed an assertion, so its keys can verify it. Never trust
 * anything read here. Bounded, and undefined for anything malformed.
 */
export function decodeJwtPayloadUnverified(token: string): Record<string, unknown> | undefined {
  if (typeof token !== 'string' || token.length > 8192) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}
