import { TokenDirectory } from '../credentials/token-list';
import type { AuthInfo } from '../auth-info';
import { validateRealm } from '../basic/parse';
import { then } from '../util/maybe';
import { Check, ListSource, ListReport, readList, reportOncePerValue } from '../checks/check';
import { CheckRequest, headerLines, queryValues, clientAddress } from '../checks/request';
import { extractApiToken } from './extract';

export interface ApiKeyCheckOptions {
  /** Header carrying the key. Default `x-auth-token`. */
  header?: string;
  /** Also accept `Authorization: Bearer <key>` (RFC 6750 §2.1). Default false. */
  allowBearer?: boolean;
  /** Also accept the key in the query (it ends up in access logs). Default false. */
  allowQuery?: boolean;
  /** Query parameter name when allowQuery. Default `api_key`. */
  queryParam?: string;
  /** Realm of the challenge. Default "api". */
  realm?: string;
}

export interface ApiKeySettings {
  header: string;
  allowBearer: boolean;
  queryParam?: string;
  realm: string;
}

const FIELD_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/; // RFC 9110 §5.1 field-name = token
// RFC 3986 unreserved characters but `~`: need no encoding, never ambiguous; the same rule as the dialog (nodes/shared/schema-rules.ts).
const QUERY_NAME = /^[A-Za-z0-9._-]+$/;

/** Validated settings (the node's dialog and settings.js share these rules); throws a configuration error. */
export function apiKeySettings(opts: ApiKeyCheckOptions): ApiKeySettings {
  const header = (opts.header || 'x-auth-token').trim();
  if (!FIELD_NAME.test(header)) throw new Error(`invalid header name ${JSON.stringify(header)}`);
  let queryParam: string | undefined;
  if (opts.allowQuery) {
    queryParam = typeof opts.queryParam === 'string' ? opts.queryParam.trim() || 'api_key' : opts.queryParam === undefined ? 'api_key' : '';
    if (!QUERY_NAME.test(queryParam)) throw new Error(`invalid query parameter name ${JSON.stringify(opts.queryParam)}: letters, digits, _ . - only`);
  }
  return { header, allowBearer: !!opts.allowBearer, queryParam, realm: validateRealm(opts.realm ?? 'api') };
}

/**
 * The 401 challenge of an API key check (RFC 9110 §11.6.1 / §15.5.2: a 401
 * MUST carry one). No registered scheme describes "a key in a header", so the
 * `ApiKey` scheme names the header (and the query parameter) where the key
 * goes, as Kong and others do; with `Authorization: Bearer <key>` accepted,
 * a second challenge offers that standard scheme (RFC 6750 §3).
 */
export function apiKeyChallenge(s: ApiKeySettings): string {
  let value = `ApiKey realm="${s.realm}", header="${s.header}"`;
  if (s.queryParam) value += `, query="${s.queryParam}"`;
  if (s.allowBearer) value += `, Bearer realm="${s.realm}"`;
  return value;
}

/** The API key check of the token node and the `apiToken` middleware: a key found once, looked up by digest. */
export function apiKeyCheck<R extends CheckRequest>(tokens: ListSource<R>, opts: ApiKeyCheckOptions = {}, report?: ListReport): Check<R> {
  const s = apiKeySettings(opts);
  const directory = new TokenDirectory();
  const seen = reportOncePerValue(directory, report);
  if (!('read' in tokens)) seen(tokens.fixed);
  const challenge = { 'WWW-Authenticate': apiKeyChallenge(s) };
  return {
    method: 'token',
    challenge: (err) => (err.status === 401 ? challenge : {}),
    run(req) {
      // Request facts first: a request without a key never reads the list.
      const presented = extractApiToken({
        header: headerLines(req, s.header),
        authorization: s.allowBearer ? headerLines(req, 'authorization') : undefined,
        query: s.queryParam ? queryValues(req, s.queryParam) : undefined,
      });
      return then(readList(tokens, req), (list): AuthInfo => {
        seen(list);
        const record = directory.verify(list, presented);
        return { method: 'token', subject: record.subject, keyId: record.id, scopes: record.scopes, expiresAt: record.expiresAt, ip: clientAddress(req) };
      });
    },
  };
}
