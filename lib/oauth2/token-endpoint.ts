/**
 * The client-credentials grant (RFC 6749 §4.4): after client authentication,
 * the scope (§3.3) and audience (RFC 8707 `resource`) are decided from the
 * client record, and the issuer mints the access token (§4.4.3 / §5.1: no
 * refresh token).
 */
import type { ClientGrant, TokenIssuer } from '../tokens/issuer';
import type { OAuthClient } from './clients';
import { OAuthError, invalidRequest } from './errors';
import type { FormParams } from './request';

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

/** `grant_type` before the client is authenticated: missing → invalid_request, another grant → unsupported_grant_type. */
export function checkGrantType(params: FormParams): void {
  const grant = params.one.get('grant_type');
  if (grant === undefined) throw invalidRequest('grant_type is required', 'no grant_type');
  if (grant !== 'client_credentials') {
    throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported', { reason: `grant_type ${grant.slice(0, 40)}` });
  }
}

/** What the client is granted: §3.3 scope ⊆ allowed (no scope asked → its default), `resource` ⊆ allowed audiences. */
export function decideGrant(client: OAuthClient, params: FormParams, issuerAudience: readonly string[]): ClientGrant {
  if (!client.grantTypes.includes('client_credentials')) {
    throw new OAuthError('unauthorized_client', 'This client may not use the client_credentials grant', { reason: `client ${client.id} lacks client_credentials in grant_types` });
  }
  const asked = params.one.get('scope');
  let scopes: readonly string[];
  if (asked === undefined) {
    scopes = client.defaultScopes;
  } else {
    const list = asked.split(' ').filter(Boolean);
    if (!list.length || !list.every((s) => SCOPE_TOKEN.test(s))) throw new OAuthError('invalid_scope', 'The scope is malformed', { reason: 'malformed scope' });
    const refused = [...new Set(list.filter((s) => !client.scopes.includes(s)))];
    // Naming the refused scope helps the partner; a scope token is never a secret, and its characters are those §5.2 allows.
    if (refused.length) throw new OAuthError('invalid_scope', `Scope not allowed for this client: ${refused.join(' ')}`.slice(0, 300), { reason: `client ${client.id} asked for ${refused.join(' ').slice(0, 200)}` });
    scopes = [...new Set(list)];
  }
  const allowed = client.resources ?? issuerAudience;
  for (const r of params.resources) {
    // RFC 8707 §2: an absolute URI without a fragment, and one this client may get a token for.
    if (!isAbsoluteUriWithoutFragment(r)) throw new OAuthError('invalid_target', 'The resource must be an absolute URI without a fragment', { reason: 'malformed resource' });
    if (!allowed.includes(r)) throw new OAuthError('invalid_target', 'The resource is not allowed for this client', { reason: `client ${client.id} asked for resource ${r.slice(0, 120)}` });
  }
  const audience = params.resources.length ? [...new Set(params.resources)] : client.resources;
  return { clientId: client.id, scopes, audience, ttlSec: client.ttlSec };
}

export async function issueToken(issuer: TokenIssuer, grant: ClientGrant): Promise<TokenResponse> {
  const issued = await issuer.issueToClient(grant);
  const body: TokenResponse = { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  if (grant.scopes.length) body.scope = grant.scopes.join(' ');
  return body;
}

function isAbsoluteUriWithoutFragment(value: string): boolean {
  if (value.includes('#') || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
