import { TokenDirectory } from '../../credentials/token-list';
import { extractApiToken } from '../../api-keys/extract';
import type { AuthCheck, CheckContext } from '../types';
import { readSource, Source } from '../source';
import { header, peerIp, queryValue } from '../request';
import { rejectUnknownKeys } from './options';
import { oncePerValue } from '../../util/memo';

export interface TokenCheckOptions {
  type?: 'token';
  /**
   * API keys in any shape the token node accepts: `["<key>", "sha256:<hex>"]`,
   * `[{ token | tokenHash, id?, subject?, scopes?, expiresAt? }]`, an object keyed
   * by token, or text with one per line. Stored digests keep the keys out of settings.js.
   */
  tokens: Source<unknown>;
  /** Header carrying the key. Default `x-auth-token`. */
  header?: string;
  /** Also accept `Authorization: Bearer <key>`. Default false. */
  allowBearer?: boolean;
  /** Also accept the key in the query (it ends up in access logs). Default false. */
  allowQuery?: boolean;
  /** Query parameter name when allowQuery. Default `api_key`. */
  queryParam?: string;
}

const KEYS = ['type', 'tokens', 'header', 'allowBearer', 'allowQuery', 'queryParam'];
const TOKEN_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/; // RFC 9110 §5.1 field-name = token

/** Shared-secret / API-key check: lib extractApiToken + TokenDirectory. */
export function tokenCheck(opts: TokenCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'token');
  if (opts.tokens === undefined) throw new Error('token: "tokens" is required (a list, an object, text, or a function returning one)');
  const name = (opts.header ?? 'x-auth-token').trim();
  if (!TOKEN_NAME.test(name)) throw new Error(`token: invalid header name ${JSON.stringify(name)}`);
  const queryParam = opts.queryParam ?? 'api_key';
  if (opts.allowQuery && (typeof queryParam !== 'string' || !TOKEN_NAME.test(queryParam))) throw new Error('token: invalid queryParam');
  const directory = new TokenDirectory();
  const warn = oncePerValue((list) => {
    for (const p of directory.problems(list)) ctx.onWarning(`token: token list: ${p}`);
  });
  if (typeof opts.tokens !== 'function') warn(opts.tokens);
  return {
    method: 'token',
    async run(req, previous) {
      const presented = extractApiToken({
        header: header(req, name),
        authorization: opts.allowBearer ? header(req, 'authorization') : undefined,
        query: opts.allowQuery ? queryValue(req, queryParam) : undefined,
      });
      const list = await readSource(opts.tokens, req, ctx.sourceTimeoutMs, 'token list');
      warn(list);
      const record = directory.verify(list, presented);
      return {
        method: 'token', subject: record.subject, keyId: record.id, scopes: record.scopes,
        expiresAt: record.expiresAt, ip: previous?.ip ?? peerIp(req),
      };
    },
  };
}
