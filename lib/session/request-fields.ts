/**
 * Reading login, refresh and logout request bodies, as parsed by `http in`
 * (JSON or application/x-www-form-urlencoded). Anything that is not a
 * single string of sane length is a malformed request: 400 AUTH_003, before
 * any lookup — never a 500.
 */
import { MalformedCredentialsError } from '../errors';

export interface LoginFields {
  username: string;
  password: string;
  /** TOTP code, when sent. */
  mfaCode?: string;
}

const LIMITS = { username: 256, password: 1024, code: 16, token: 8192 };

const bad = (reason: string) => new MalformedCredentialsError(reason, { status: 400, oauthError: 'invalid_request' });

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) throw bad('request body must be JSON or form fields');
  return body as Record<string, unknown>;
}

/** One optional string field; a repeated form field arrives as an array and is refused. */
function field(body: Record<string, unknown>, names: string[], max: number): string | undefined {
  let found: string | undefined;
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(body, name)) continue;
    const v = body[name];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw bad(`${name} must be a single string`);
    if (found !== undefined) throw bad(`give only one of ${names.join(', ')}`);
    if (v.length > max) throw bad(`${name} is too long`);
    found = v;
  }
  return found;
}

/** `username` (or `email`), `password`, and `mfa_code` when the user has a second factor. */
export function readLoginFields(body: unknown): LoginFields {
  const b = asObject(body);
  const username = field(b, ['username', 'email'], LIMITS.username);
  const password = field(b, ['password'], LIMITS.password);
  if (!username || password === undefined || password === '') throw bad('username and password are required');
  if (/[\u0000-\u001f\u007f]/.test(username)) throw bad('username contains control characters');
  const mfaCode = field(b, ['mfa_code'], LIMITS.code);
  // The password is never trimmed or altered beyond NFC (same rule as Basic, B6).
  return { username: username.normalize('NFC'), password: password.normalize('NFC'), mfaCode: mfaCode || undefined };
}

/** `refresh_token` (RFC 6749 §6 name); undefined when absent. */
export function readRefreshToken(body: unknown): string | undefined {
  return field(asObject(body), ['refresh_token'], LIMITS.token) || undefined;
}

/** TOTP enrolment: `mfa_code` confirms a pending enrolment; `current_code` proves the factor being replaced. */
export function readEnrolmentFields(body: unknown): { mfaCode?: string; currentCode?: string } {
  const b = asObject(body);
  return { mfaCode: field(b, ['mfa_code'], LIMITS.code) || undefined, currentCode: field(b, ['current_code'], LIMITS.code) || undefined };
}

/** Names that carry a secret in these requests. */
const SECRET_PARAMS = ['password', 'refresh_token', 'mfa_code', 'current_code', 'access_token'];

/**
 * Secrets in the URL end up in access logs, proxies and browser history
 * (OWASP API2:2023 "credentials in URLs"): refuse them with 400 even when the
 * flow reads the body, so a client that sends them there learns at once.
 */
export function refuseSecretsInQuery(query: unknown): void {
  if (!query || typeof query !== 'object') return;
  for (const name of SECRET_PARAMS) {
    if (Object.prototype.hasOwnProperty.call(query, name)) throw bad(`${name} in the query string`);
  }
}
