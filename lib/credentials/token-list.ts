import { LiveIndex, Indexed } from './live-index';
import { stringList, firstString, expiryMs, parseListText } from './fields';
import { sha256Hex } from '../crypto/secure-compare';
import { KeyRejectedError } from '../errors';

export interface TokenRecord {
  /** Non-secret identifier: the configured id, or the first 12 hex digits of the digest. */
  id: string;
  subject?: string;
  scopes: string[];
  /** Epoch ms; undefined = no expiry. */
  expiresAt?: number;
}

const DIGEST = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

/**
 * Accepted shapes (Kitewheel's "application parameters or a database table
 * with expiration times"):
 *  - array of strings: plain tokens, or `sha256:<hex>` digests;
 *  - array of objects: { token | tokenHash, id?, subject?, scopes?, expiresAt? };
 *  - object: { "<token or sha256:hex>": { subject?, scopes?, expiresAt? } };
 *  - text: that JSON, or one token / `sha256:<hex>` per line.
 * Everything is indexed by SHA-256 digest, so lookup cost does not grow with the list.
 */
export function normalizeToken(source: unknown, at: string | number): Indexed<TokenRecord> {
  let obj: Record<string, unknown>;
  let secret: string | undefined;
  if (typeof source === 'string') {
    obj = {};
    secret = source;
  } else if (source && typeof source === 'object' && !Array.isArray(source)) {
    obj = source as Record<string, unknown>;
    secret = firstString(obj, ['tokenHash', 'token_hash', 'hash', 'sha256', 'token', 'key', 'value']) ?? (typeof at === 'string' ? at : undefined);
  } else {
    throw new Error('token must be a string or an object');
  }
  if (!secret) throw new Error('token missing');
  const hashed = obj.token === undefined && obj.key === undefined && obj.value === undefined ? DIGEST.exec(secret) : null;
  const explicitHash = /^sha256:/.test(secret) || obj.tokenHash !== undefined || obj.token_hash !== undefined || obj.hash !== undefined || obj.sha256 !== undefined;
  if (explicitHash && !hashed) throw new Error('token hash must be 64 hex digits (SHA-256)');
  const digest = explicitHash && hashed ? hashed[1].toLowerCase() : sha256Hex(secret);
  const id = firstString(obj, ['id', 'keyId', 'name']) ?? digest.slice(0, 12);
  return {
    key: digest,
    entry: {
      id,
      subject: firstString(obj, ['subject', 'sub', 'user', 'owner']) ?? id,
      scopes: stringList(obj.scopes ?? obj.scope, 'scopes'),
      expiresAt: expiryMs(obj.expiresAt ?? obj.expires_at ?? obj.expires),
    },
  };
}

export class TokenDirectory {
  private readonly index = new LiveIndex<TokenRecord>(normalizeToken, (t) => parseListText(t, (l) => l));

  constructor(private readonly now: () => number = Date.now) {}

  /** The record for a presented token, or AUTH_004 when unknown or expired. */
  verify(raw: unknown, presented: string): TokenRecord {
    // Looked up by the SHA-256 of what was presented: the map never compares the secret itself.
    const record = this.index.find(raw, sha256Hex(presented));
    if (!record) throw new KeyRejectedError('unknown token');
    if (record.expiresAt !== undefined && this.now() >= record.expiresAt) {
      throw new KeyRejectedError(`token ${record.id} expired`);
    }
    return record;
  }

  problems(raw: unknown): string[] {
    return this.index.problems(raw);
  }
}
