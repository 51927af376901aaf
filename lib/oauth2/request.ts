/**
 * What the OAuth endpoints read of an HTTP request, whoever received it (an
 * `http in` node, Express): method, raw header lines, raw query, and the body
 * as a body parser left it (an object) or raw (string / Buffer).
 *
 * RFC 6749 §3.2 / §2.3.1: parameters are form-encoded in the body of a POST.
 * A parameter given twice is `invalid_request` (§3.1, §3.2: "MUST NOT be
 * included more than once") — except `resource`, which RFC 8707 §2 lets a
 * client repeat. A parameter without a value counts as omitted (§3.1).
 */
import { headerValues } from '../util/http-headers';
import { OAuthError, invalidRequest } from './errors';

export interface OAuthRequest {
  readonly method: string;
  /** `[name, value, name, value, …]` as received. */
  readonly rawHeaders: readonly string[];
  /** Raw query string, without `?`. */
  readonly query: string;
  /** A parsed urlencoded body (object), or the raw body (string / Buffer); undefined when none. */
  readonly body: unknown;
}

export interface FormParams {
  /** Single-valued parameters with a value. */
  readonly one: ReadonlyMap<string, string>;
  /** Every value of `resource` (RFC 8707 §2). */
  readonly resources: readonly string[];
}

const REPEATABLE = 'resource';
/** Parameters that never belong in the URL (a secret there lands in logs and histories). */
const NEVER_IN_QUERY = ['client_secret', 'client_assertion', 'client_assertion_type', 'client_id', 'grant_type', 'scope', 'token', 'resource'];

/** The request's form parameters, or an OAuthError (405 for another method, 400 otherwise). */
export function readForm(req: OAuthRequest): FormParams {
  if (req.method.toUpperCase() !== 'POST') {
    throw new OAuthError('invalid_request', 'This endpoint accepts POST only', { status: 405, headers: { Allow: 'POST' }, reason: `method ${req.method.slice(0, 10)}` });
  }
  const types = headerValues(req.rawHeaders, 'content-type');
  const type = types.length === 1 ? types[0].split(';')[0].trim().toLowerCase() : '';
  if (type !== 'application/x-www-form-urlencoded') {
    throw invalidRequest('Parameters must be sent as application/x-www-form-urlencoded', `content type ${type.slice(0, 40) || 'missing'}`);
  }
  if (req.query) {
    const inQuery = [...new URLSearchParams(req.query).keys()].find((k) => NEVER_IN_QUERY.includes(k));
    if (inQuery) throw invalidRequest('OAuth parameters belong in the request body, not the URL', `parameter ${inQuery} in the query`);
  }
  const one = new Map<string, string>();
  const resources: string[] = [];
  const add = (name: string, value: unknown, repeated: boolean) => {
    if (typeof value !== 'string') throw invalidRequest('Malformed parameter', `parameter ${name.slice(0, 40)} is not a string`);
    if (name === REPEATABLE) {
      if (value !== '') resources.push(value);
      return;
    }
    if (repeated || one.has(name)) throw invalidRequest('A parameter was given more than once', `duplicate ${name.slice(0, 40)}`);
    if (value !== '') one.set(name, value);
  };
  const body = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const seen = new Set<string>();
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
      add(name, value, name !== REPEATABLE && seen.has(name));
      seen.add(name);
    }
  } else if (body && typeof body === 'object' && !Array.isArray(body)) {
    // body-parser (qs, extended) turns `a=1&a=2` into an array and `a[b]=1` into an object.
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (Array.isArray(value)) {
        if (name !== REPEATABLE) throw invalidRequest('A parameter was given more than once', `duplicate ${name.slice(0, 40)}`);
        for (const v of value) add(name, v, false);
      } else {
        add(name, value, false);
      }
    }
  } else if (body !== undefined && body !== null) {
    throw invalidRequest('Malformed request body', 'body of an unexpected type');
  }
  return { one, resources };
}
