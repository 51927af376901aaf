/**
 * Who a session belongs to: what access tokens are issued for and what the
 * login response shows. Snapshotted into the refresh family at login, so a
 * refresh can issue tokens even when the user list is not consulted.
 */
export interface SessionSubject {
  /** `sub` of every access token of the session. */
  subject: string;
  roles: string[];
  scopes: string[];
  /** The `user` object of the login response: non-secret profile fields only. */
  user: Record<string, unknown>;
  /** Per-user claims added to access tokens (e.g. email), never a reserved claim. */
  claims?: Record<string, unknown>;
}

/** Reads a JSON record written by this package; undefined when it is not one (fail closed at the caller). */
export function parseRecord<T>(raw: string | undefined, valid: (v: Record<string, unknown>) => boolean): T | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return valid(value as Record<string, unknown>) ? (value as T) : undefined;
}

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

export function isSessionSubject(v: unknown): v is SessionSubject {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.subject === 'string' && isStringArray(s.roles) && isStringArray(s.scopes) &&
    typeof s.user === 'object' && s.user !== null &&
    (s.claims === undefined || (typeof s.claims === 'object' && s.claims !== null));
}
