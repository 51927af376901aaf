/**
 * The OAuth 2.0 authorization server of one issuer: token (RFC 6749 §4.4),
 * revocation (RFC 7009), introspection (RFC 7662), metadata (RFC 8414) and
 * JWKS. Built once at deploy over the issuer's token machinery — the same
 * signing key, store binding and revocations the login endpoint and the
 * bearer node use — so `authflow-bearer` pointed at the same issuer verifies
 * these tokens with no extra configuration. Transport-neutral: it takes an
 * OAuthRequest and answers status, headers and body; adapters write them.
 */
import { AuthError, InsufficientScopeError, StoreUnavailableError, couldNotCheck } from '../errors';
import type { AuthInfo } from '../auth-info';
import type { Store } from '../store/store';
import type { TokenIssuer } from '../tokens/issuer';
import type { Revocations } from '../tokens/revocation';
import type { OwnTokenSource } from '../tokens/access-tokens';
import type { IssuerTags } from '../tokens/issuer-identity';
import type { JwtClaims } from '../jwt/verify';
import { memoByValue } from '../util/memo';
import { ClientSecretHasher } from './client-secrets';
import { ClientDirectory, ClientAuthMethod, ClientLookup, CLIENT_AUTH_METHODS, OAuthClient } from './clients';
import { ClientRegistry } from './client-store';
import { ClientAuthenticator } from './client-auth';
import { AssertionVerifier, ASSERTION_ALGS } from './assertions';
import { OAuthError, authCodeOf, invalidClient, invalidRequest } from './errors';
import { OAuthRequest, readForm } from './request';
import { checkGrantType, decideGrant, issueToken } from './token-endpoint';
import { JwkSet, issuerJwks, publishable } from './jwks';

export type OAuthOperation = 'token' | 'revoke' | 'introspect' | 'metadata' | 'jwks' | 'rotate';
export const OAUTH_OPERATIONS: readonly OAuthOperation[] = ['token', 'revoke', 'introspect', 'metadata', 'jwks', 'rotate'];

/** What the server uses of an issuer (lib/session createSessionTokens gives all of it). */
export interface IssuerTokens {
  issuer: TokenIssuer;
  revocations: Revocations;
  ownTokens: OwnTokenSource;
  store: Store;
  tags: IssuerTags;
}

export interface OAuthServerOptions {
  tokens: IssuerTokens;
  /** Per-installation key of the client-secret hashes (≥ 32 bytes). */
  clientSecretKey: string;
  /** Public URLs of the endpoints (RFC 8414 §2); the issuer identifier is the issuer's `iss`. */
  tokenEndpoint: string;
  revocationEndpoint?: string;
  introspectionEndpoint?: string;
  jwksUri?: string;
  /** Default: all three. */
  authMethods?: readonly ClientAuthMethod[];
  /** RFC 8414 scopes_supported (optional). */
  scopesSupported?: readonly string[];
  serviceDocumentation?: string;
  /** Realm of the Basic challenge on invalid_client. Default "oauth". */
  realm?: string;
  /** The published keys; default: the issuer's verification key (none for HS* and opaque tokens). */
  jwks?: () => Promise<JwkSet>;
  now?: () => number;
}

export interface OAuthResult {
  status: number;
  headers: Record<string, string>;
  /** undefined: no body. */
  body?: unknown;
  outcome: 'allow' | 'deny';
  /** For audit and status; never a secret. */
  reason: string;
  /** RFC 6749 §5.2 code of a refusal. */
  error?: string;
  /** The authenticated client, for msg.auth (never a secret). */
  auth?: AuthInfo;
  /** An audit-worthy remark on a success (e.g. a client secret about to expire). */
  notice?: string;
  /** An error that is nobody's fault but ours: log its stack (never its message). */
  unexpected?: unknown;
}

/** RFC 6749 §5.1 / RFC 7662 §2.2: answers carrying tokens or token state are never cached. */
const NO_STORE = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
/** Metadata and keys are public and change rarely; key rotation publishes keys longer than this ahead. */
export const PUBLIC_CACHE_SEC = 300;

/** How a request reached the server: an HTTP request (vs a flow's own msg), and whether a check authenticated it. */
export interface OAuthCaller {
  overHttp?: boolean;
  authenticated?: boolean;
}

export class OAuthServer {
  readonly issuerId: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  private readonly tokens: IssuerTokens;
  private readonly hasher: ClientSecretHasher;
  private readonly auth: ClientAuthenticator;
  private readonly directory: (raw: unknown) => ClientDirectory;
  private readonly jwks: () => Promise<JwkSet>;
  private readonly audience: readonly string[];
  private readonly now?: () => number;
  private readonly realm: string;

  constructor(opts: OAuthServerOptions) {
    this.tokens = opts.tokens;
    this.now = opts.now;
    const issuerId = opts.tokens.issuer.issuer;
    if (!issuerId) throw new Error('the issuer needs an iss: the authorization server identifier (RFC 8414 §2), e.g. https://auth.example.com');
    this.issuerId = urlOf(issuerId, 'the issuer identifier (iss)');
    const tokenEndpoint = urlOf(opts.tokenEndpoint, 'the token endpoint URL');
    const methods = opts.authMethods?.length ? [...opts.authMethods] : [...CLIENT_AUTH_METHODS];
    for (const m of methods) if (!CLIENT_AUTH_METHODS.includes(m)) throw new Error(`unknown client authentication method "${String(m)}"`);
    const realm = opts.realm ?? 'oauth';
    this.realm = realm;
    this.hasher = new ClientSecretHasher(opts.clientSecretKey);
    const assertions = methods.includes('private_key_jwt')
      ? new AssertionVerifier({ store: opts.tokens.store, issuerTag: opts.tokens.tags.tokens, audiences: [this.issuerId, tokenEndpoint], realm, now: opts.now })
      : undefined;
    this.auth = new ClientAuthenticator({ hasher: this.hasher, assertions, methods, realm, now: opts.now });
    const keyId = this.hasher.keyId;
    this.directory = memoByValue((raw) => new ClientDirectory(raw, { keyId }));
    const ring = opts.tokens.issuer.keyRing;
    if (opts.jwks) {
      this.jwks = opts.jwks;
    } else if (ring) {
      // Rotating keys: next, active and retiring are published; exported again only when the set changes.
      let last: { kids: string; doc: Promise<JwkSet> } | undefined;
      this.jwks = () => {
        const keys = ring.published();
        const kids = keys.map((k) => k.kid).join(' ');
        if (last?.kids !== kids) last = { kids, doc: issuerJwks(keys) };
        return last.doc;
      };
    } else {
      // Exported once (jose, async): the key is fixed for this deploy.
      let doc: Promise<JwkSet> | undefined;
      this.jwks = () => (doc ??= issuerJwks([opts.tokens.issuer.verificationKey]));
    }
    const aud = opts.tokens.issuer.audience;
    this.audience = aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];
    this.metadata = Object.freeze(buildMetadata(this.issuerId, tokenEndpoint, methods, opts, !!opts.jwks || !!ring || publishable([opts.tokens.issuer.verificationKey]).length > 0));
  }

  /** The issuer's rotating signing keys, if it has them (for status displays). */
  get keyRing() {
    return this.tokens.issuer.keyRing;
  }

  /** The clients kept in the issuer's store (client-store.ts), under the issuer's tag; one per server. */
  get registry(): ClientRegistry {
    return (this.storeClients ??= new ClientRegistry({ store: this.tokens.store, hasher: this.hasher, namespace: this.tokens.tags.tokens, now: this.now }));
  }

  private storeClients?: ClientRegistry;

  /** The compiled client list (memoized per value), or the store registry as it is; a list's problems are for the operator, once. */
  clients(raw: unknown): ClientLookup {
    if (raw instanceof ClientRegistry) return raw;
    if (raw === undefined || raw === null) throw new StoreUnavailableError('could not check: the client list is missing', { retryAfter: 1 });
    try {
      return this.directory(raw);
    } catch (e) {
      throw couldNotCheck(`client list: ${(e as Error).message}`);
    }
  }

  /** A new client secret and its hash for `clientId` (shown once; store only the hash). */
  generateSecret(clientId: string): { secret: string; hash: string } {
    return this.hasher.generate(clientId);
  }

  /**
   * Answers one request. Never throws: every failure is an answer (RFC 6749 §5.2, or 503).
   * `caller`: how the request arrived, for the operations that are not public (rotate).
   */
  async handle(op: OAuthOperation, req: OAuthRequest, rawClients: () => unknown | Promise<unknown>, caller: OAuthCaller = {}): Promise<OAuthResult> {
    try {
      switch (op) {
        case 'token': return await this.token(req, rawClients);
        case 'revoke': return await this.revoke(req, rawClients);
        case 'introspect': return await this.introspect(req, rawClients);
        case 'metadata': return this.publicDocument(req, this.metadata, 'metadata');
        case 'jwks': return this.publicDocument(req, await this.jwks(), 'jwks');
        case 'rotate': return await this.rotate(caller);
        default: throw new Error(`unknown operation ${String(op)}`);
      }
    } catch (e) {
      return oauthFailure(e, this.realm);
    }
  }

  private async token(req: OAuthRequest, rawClients: () => unknown): Promise<OAuthResult> {
    const params = readForm(req);
    checkGrantType(params);
    const { client, method, notice } = await this.auth.authenticate(req.rawHeaders, params, this.clients(await rawClients()));
    const grant = decideGrant(client, params, this.audience);
    const body = await issueToken(this.tokens.issuer, grant);
    return {
      status: 200, headers: { ...NO_STORE }, body, outcome: 'allow', notice,
      reason: `token issued to ${client.id} (${method}${body.scope ? `, scope ${body.scope}` : ''})`,
      auth: clientAuth(client, grant.scopes),
    };
  }

  /** RFC 7009 §2.2: 200 whether the token was ours, unknown, invalid or already revoked. */
  private async revoke(req: OAuthRequest, rawClients: () => unknown): Promise<OAuthResult> {
    const params = readForm(req);
    const { client } = await this.auth.authenticate(req.rawHeaders, params, this.clients(await rawClients()));
    const token = params.one.get('token');
    if (token === undefined) throw invalidRequest('token is required', 'no token');
    // §2.1: a hint we know only steers the search (we search everywhere anyway); one we do not know is §2.2.1's error.
    const hint = params.one.get('token_type_hint');
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') {
      throw new OAuthError('unsupported_token_type', 'Unsupported token_type_hint', { reason: `token_type_hint ${hint.slice(0, 40)}` });
    }
    const claims = await this.lookup(token, false);
    let reason = 'token unknown, invalid or expired: nothing to revoke';
    if (claims && claims.client_id !== client.id) {
      // §2.1: only the client the token was issued to may revoke it; the answer does not say the token exists.
      reason = 'token of another client: not revoked';
    } else if (claims) {
      if (token.includes('.')) await this.tokens.revocations.revokeJti(claims.jti as string, claims.exp as number);
      else await this.tokens.issuer.opaque?.revoke(token);
      reason = `token ${String(claims.jti)} revoked`;
    }
    return { status: 200, headers: { ...NO_STORE }, outcome: 'allow', reason: `${client.id}: ${reason}`, auth: clientAuth(client, []) };
  }

  /** RFC 7662 §2.2: inactive is exactly {"active": false}; a client sees its own tokens unless its record says "any". */
  private async introspect(req: OAuthRequest, rawClients: () => unknown): Promise<OAuthResult> {
    const params = readForm(req);
    const { client } = await this.auth.authenticate(req.rawHeaders, params, this.clients(await rawClients()));
    const token = params.one.get('token');
    if (token === undefined) throw invalidRequest('token is required', 'no token');
    const claims = await this.lookup(token, true);
    const visible = claims && (client.introspectAny || claims.client_id === client.id);
    const body = visible ? introspection(claims) : { active: false };
    return {
      status: 200, headers: { ...NO_STORE }, body, outcome: 'allow', auth: clientAuth(client, []),
      reason: `${client.id} introspected a token: ${visible ? 'active' : claims ? 'active but not visible to this client' : 'inactive'}`,
    };
  }

  /** Rotates the issuer's signing keys now (lib/tokens/key-ring.ts): for a flow (inject, schedule), never a public route. */
  private async rotate(caller: OAuthCaller): Promise<OAuthResult> {
    // Rotating keys is an admin action: over HTTP only behind a check that authenticated the caller.
    if (caller.overHttp && !caller.authenticated) throw new InsufficientScopeError('rotate over HTTP without an authenticated caller');
    const ring = this.tokens.issuer.keyRing;
    if (!ring) {
      throw new OAuthError('invalid_request', 'This issuer signs with a configured key: choose rotating keys on the issuer', { status: 409, reason: 'rotate: the issuer has no rotating keys' });
    }
    const status = await ring.rotateNow();
    const body = { ...status, rotatesAt: status.rotatesAt === undefined ? undefined : new Date(status.rotatesAt).toISOString() };
    return { status: 200, headers: { ...NO_STORE }, body, outcome: 'allow', reason: `signing keys rotated by hand: ${status.active} signs, next ${status.next}` };
  }

  /** The claims of a live token of this issuer (revocation checked when asked), or undefined; store outages propagate. */
  private async lookup(token: string, checkRevoked: boolean): Promise<JwtClaims | undefined> {
    try {
      const claims = await this.tokens.ownTokens.verify(token);
      if (checkRevoked && await this.tokens.ownTokens.isRevoked(claims)) return undefined;
      return claims;
    } catch (e) {
      if (e instanceof AuthError && e.code !== 'AUTH_011') return undefined;
      throw e;
    }
  }

  private publicDocument(req: OAuthRequest, body: unknown, what: string): OAuthResult {
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      throw new OAuthError('invalid_request', 'This endpoint accepts GET only', { status: 405, headers: { Allow: 'GET, HEAD' }, reason: `method ${req.method.slice(0, 10)}` });
    }
    return { status: 200, headers: { 'Cache-Control': `public, max-age=${PUBLIC_CACHE_SEC}` }, body, outcome: 'allow', reason: `${what} served` };
  }
}

/** RFC 8414 §2, generated from the configuration. */
function buildMetadata(issuer: string, tokenEndpoint: string, methods: ClientAuthMethod[], opts: OAuthServerOptions, hasKeys: boolean): Record<string, unknown> {
  const withJwt = methods.includes('private_key_jwt');
  const md: Record<string, unknown> = {
    issuer,
    token_endpoint: tokenEndpoint,
    grant_types_supported: ['client_credentials'],
    // No authorization endpoint: no response type is supported (§2 makes the member REQUIRED).
    response_types_supported: [],
    token_endpoint_auth_methods_supported: methods,
  };
  if (withJwt) md.token_endpoint_auth_signing_alg_values_supported = [...ASSERTION_ALGS];
  if (opts.jwksUri && hasKeys) md.jwks_uri = urlOf(opts.jwksUri, 'the JWKS URL');
  if (opts.scopesSupported?.length) md.scopes_supported = [...opts.scopesSupported];
  if (opts.revocationEndpoint) {
    md.revocation_endpoint = urlOf(opts.revocationEndpoint, 'the revocation endpoint URL');
    md.revocation_endpoint_auth_methods_supported = methods;
    if (withJwt) md.revocation_endpoint_auth_signing_alg_values_supported = [...ASSERTION_ALGS];
  }
  if (opts.introspectionEndpoint) {
    md.introspection_endpoint = urlOf(opts.introspectionEndpoint, 'the introspection endpoint URL');
    md.introspection_endpoint_auth_methods_supported = methods;
    if (withJwt) md.introspection_endpoint_auth_signing_alg_values_supported = [...ASSERTION_ALGS];
  }
  if (opts.serviceDocumentation) md.service_documentation = urlOf(opts.serviceDocumentation, 'the service documentation URL');
  return md;
}

/** RFC 7662 §2.2 members for an active token. */
function introspection(c: JwtClaims): Record<string, unknown> {
  const out: Record<string, unknown> = { active: true };
  if (typeof c.scope === 'string') out.scope = c.scope;
  if (typeof c.client_id === 'string') out.client_id = c.client_id;
  // A user's token (a login session of the same issuer): its subject is the resource owner.
  else if (typeof c.sub === 'string') out.username = c.sub;
  for (const k of ['sub', 'aud', 'iss', 'exp', 'iat'] as const) if (c[k] !== undefined) out[k] = c[k];
  // Not valid before it was issued: nbf is the token's, or its iat.
  const nbf = c.nbf ?? c.iat;
  if (nbf !== undefined) out.nbf = nbf;
  if (c.jti !== undefined) out.jti = c.jti;
  out.token_type = 'Bearer';
  return out;
}

function clientAuth(client: OAuthClient, scopes: readonly string[]): AuthInfo {
  return { method: 'oauth2', subject: client.id, clientId: client.id, scopes: [...scopes] };
}

/**
 * Any failure as an answer: §5.2 for the client's mistakes, 503 (AUTH_011)
 * when we could not check. `realm`: of the Basic challenge on a 401.
 */
export function oauthFailure(e: unknown, realm = 'oauth'): OAuthResult {
  const mistake = e instanceof AuthError ? clientMistake(e, realm) : undefined;
  if (e instanceof OAuthError || mistake) {
    const err = (mistake ?? e) as OAuthError;
    const code = e instanceof AuthError ? e.code : authCodeOf(err.error);
    return {
      // §5.2 members, plus the package's stable code (DESIGN.md §3) — clients ignore members they do not know (§5.1).
      status: err.status, headers: { ...NO_STORE, ...err.headers }, body: { error: err.error, error_description: err.message, code },
      outcome: 'deny', reason: err.reason, error: err.error,
    };
  }
  const ours = e instanceof AuthError && e.code === 'AUTH_011';
  const err = ours ? e : couldNotCheck('internal ' + (e instanceof Error ? e.name : 'error'));
  const headers: Record<string, string> = { ...NO_STORE };
  if (err.retryAfter !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(err.retryAfter)));
  // AUTH_011 (or a bug): RFC 6749 has temporarily_unavailable for this, the AUTH code is the package's stable one.
  return {
    status: 503, headers, body: { error: 'temporarily_unavailable', error_description: err.publicMessage, code: err.code },
    outcome: 'deny', reason: err.reason, error: 'temporarily_unavailable', unexpected: ours ? undefined : e,
  };
}

/**
 * An AuthError of the package's own checks that reaches an endpoint, in §5.2
 * terms: 400 is the request's fault (invalid_request), 401 the client's
 * credentials (invalid_client, with the Basic challenge RFC 9110 §15.5.2
 * wants on a 401). Any other refusal keeps its status (403 is access_denied,
 * as in §4.1.2.1); AUTH_011 is not a client mistake.
 */
function clientMistake(e: AuthError, realm: string): OAuthError | undefined {
  if (e.code === 'AUTH_011') return undefined;
  if (e.status === 401) return invalidClient(e.reason, realm);
  const headers: Record<string, string> = e.retryAfter === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(e.retryAfter))) };
  return new OAuthError(e.status === 403 ? 'access_denied' : 'invalid_request', e.publicMessage, { status: e.status, reason: e.reason, headers });
}

function urlOf(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${what} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${what} must be an http(s) URL`);
  if (url.hash || (what.startsWith('the issuer') && url.search)) throw new Error(`${what} must have no fragment${what.startsWith('the issuer') ? ' or query' : ''} (RFC 8414 §2)`);
  return value;
}
