/**
 * What a successful check puts on `msg.auth` (DESIGN.md §3). Never a secret:
 * no password, raw key or raw token.
 */
export interface AuthInfo {
  method: 'basic' | 'token' | 'api_key' | 'ip' | 'bearer' | 'login' | 'oauth2' | 'hmac' | 'scope' | 'middleware';
  subject?: string;
  scopes: string[];
  roles?: string[];
  keyId?: string;
  tokenId?: string;
  clientId?: string;
  /** Epoch milliseconds. */
  expiresAt?: number;
  ip?: string;
  claims?: Record<string, unknown>;
}
