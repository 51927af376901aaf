import { apiKeyCheck } from '../../api-keys/check';
import type { AuthCheck, CheckContext } from '../types';
import { listSource, Source } from '../source';
import { rejectUnknownKeys } from './options';
import { adaptCheck } from './adapt';

export interface TokenCheckOptions {
  type?: 'token';
  /**
   * API keys in any shape the token node accepts: `["<key>", "sha256:<hex>"]`,
   * `[{ token | tokenHash, id?, subject?, scopes?, expiresAt? }]`, an object keyed
   * by token, or text with one per line. Stored digests keep the keys out of settings.js.
   * A function answering undefined/null fails closed (503 AUTH_011).
   */
  tokens: Source<unknown>;
  /** Header carrying the key. Default `x-auth-token`. */
  header?: string;
  /** Also accept `Authorization: Bearer <key>`. Default false. */
  allowBearer?: boolean;
  /** Also accept the key in the query (it ends up in access logs). Default false. */
  allowQuery?: boolean;
  /** Query parameter name when allowQuery (letters, digits, `_`, `.`, `-`). Default `api_key`. */
  queryParam?: string;
  /** Realm of the `ApiKey` challenge on 401. Default "api". */
  realm?: string;
}

const KEYS = ['type', 'tokens', 'header', 'allowBearer', 'allowQuery', 'queryParam', 'realm'];

/** Shared-secret / API-key check: lib/api-keys/check.ts behind the middleware contract. */
export function tokenCheck(opts: TokenCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'token');
  if (opts.tokens === undefined) throw new Error('token: "tokens" is required (a list, an object, text, or a function returning one)');
  let check;
  try {
    check = apiKeyCheck(listSource(opts.tokens, ctx.sourceTimeoutMs, 'token list'), opts, (problems) => {
      for (const p of problems) ctx.onWarning(`token: token list: ${p}`);
    });
  } catch (e) {
    throw new Error(`token: ${(e as Error).message}`);
  }
  return adaptCheck(check);
}
