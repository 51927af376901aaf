/**
 * Who may manage API keys: a signed-in user, never an API key. A key that
 * could create or rotate keys would let a leaked key mint successors that
 * outlive its own revocation (the same rule as Stripe's and Unkey's root keys
 * being separate from the keys they manage).
 */
import { InsufficientScopeError, InvalidCredentialsError } from '../errors';
import type { AuthInfo } from '../auth-info';

/** 403 AUTH_008 with a `detail` safe to show the client. */
export class KeyManagedByKeyError extends InsufficientScopeError {
  readonly detail = 'API keys cannot manage API keys: use a signed-in user\'s token';
  constructor() {
    super('API key management refused: the caller authenticated with an API key');
  }
}

/** The owner of the keys a request manages: msg.auth of a user check, not of an API key check. */
export function keyManager(who: AuthInfo | undefined): AuthInfo & { subject: string } {
  if (!who || typeof who.subject !== 'string' || who.subject === '') {
    throw new InvalidCredentialsError('API key management needs an authenticated user: put a bearer node before it');
  }
  if (who.method === 'api_key') throw new KeyManagedByKeyError();
  return who as AuthInfo & { subject: string };
}
