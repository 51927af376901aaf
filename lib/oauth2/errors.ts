/**
 * RFC 6749 §5.2 error responses of the token, revocation (RFC 7009 §2.2.1)
 * and introspection endpoints. `error_description` is a fixed text chosen
 * here: it never quotes a parameter the client sent (a secret could be in
 * it). The precise reason goes to the audit stream only.
 */
import type { AuthCode } from '../errors';

export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client'
  | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_target' | 'unsupported_token_type'
  | 'temporarily_unavailable'
  // §4.1.2.1: the server denied the request (a refusal that is not about the client's credentials).
  | 'access_denied';

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  readonly status: number;
  /** For operators (audit, status). Never a secret. */
  readonly reason: string;
  /** Extra response headers (405 Allow, 401 WWW-Authenticate, 503 Retry-After). */
  readonly headers: Record<string, string>;

  constructor(error: OAuthErrorCode, description: string, opts: { status?: number; reason?: string; headers?: Record<string, string> } = {}) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    // §5.2: 400 unless stated otherwise; invalid_client may be 401.
    this.status = opts.status ?? 400;
    this.reason = opts.reason ?? description;
    this.headers = opts.headers ?? {};
  }
}

export const invalidRequest = (description: string, reason?: string) => new OAuthError('invalid_request', description, { reason });

/**
 * §5.2 invalid_client: 401, and — since RFC 9110 §15.5.2 wants a challenge on
 * every 401 — `WWW-Authenticate: Basic` whether or not the client used the
 * header (§5.2 requires it when it did). One wording for unknown client,
 * wrong secret, disabled client and bad assertion: none is told apart.
 */
export function invalidClient(reason: string, realm: string): OAuthError {
  return new OAuthError('invalid_client', 'Client authentication failed', {
    status: 401, reason, headers: { 'WWW-Authenticate': `Basic realm="${realm}", charset="UTF-8"` },
  });
}

/** The package's stable code for an OAuth error, for audit events and node status. */
export function authCodeOf(error: string | undefined): AuthCode {
  switch (error) {
    case 'invalid_client': return 'AUTH_001';
    case 'invalid_scope': case 'invalid_target': case 'unauthorized_client': return 'AUTH_008';
    case 'temporarily_unavailable': return 'AUTH_011';
    default: return 'AUTH_003';
  }
}
