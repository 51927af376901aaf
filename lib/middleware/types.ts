import type { IncomingMessage, ServerResponse } from 'http';
import type { AuthError } from '../errors';
import type { AuthInfo } from '../auth-info';

/**
 * Connect/Express middleware shape with Node's own types, so lib/ needs no
 * express import; an Express `req`/`res` is a subclass of these.
 */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The request after a successful check: `auth` has the msg.auth shape (http in flows read msg.req.auth). */
export type AuthenticatedRequest = IncomingMessage & { auth?: AuthInfo };

/** One configured check, built once at startup, run per request. */
export interface AuthCheck {
  /** Names the check in audit events (AuthDecision.method). */
  readonly method: AuthInfo['method'] | 'rate-limit';
  /** A check that limits rather than identifies (rate limit): it hands on `previous`, which may be none. */
  readonly passThrough?: boolean;
  /**
   * Resolves with the identity to put on req.auth, or rejects (any error is
   * mapped to an AuthError: fail closed). `previous` is what earlier checks of
   * the same chain established (e.g. the proxy-aware ip).
   */
  run(req: IncomingMessage, previous: AuthInfo | undefined, res?: ServerResponse): Promise<AuthInfo | undefined> | AuthInfo | undefined;
  /** Extra headers for a refusal by this check: the RFC challenge. */
  challenge?(err: AuthError): Record<string, string> | undefined;
}

/** Settings shared by every check of one middleware. */
export interface CheckContext {
  /** How long a credentials function may take before the request fails closed with AUTH_011. */
  sourceTimeoutMs: number;
  /** Configuration warnings (plain-text passwords, bad list entries); never a secret. */
  onWarning: (message: string) => void;
}
