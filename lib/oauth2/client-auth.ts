/**
 * Client authentication at the token, revocation and introspection
 * endpoints (RFC 6749 §2.3): exactly one of
 *  - client_secret_basic: `Authorization: Basic` whose user-id and password
 *    are the client id and secret, each form-urlencoded first (§2.3.1,
 *    App. B) — so a secret with `:`, `%`, `+`, `&` or a space survives;
 *  - client_secret_post: `client_id` + `client_secret` in the body (§2.3.1);
 *  - private_key_jwt: `client_assertion` signed with the client's key
 *    (RFC 7523 §2.2 / §3, lib/oauth2/assertions.ts).
 * More than one at once is `invalid_request` (§2.3: "MUST NOT use more than
 * one authentication method in each request").
 *
 * Secrets: the presented secret's MAC is computed once (for an unknown
 * client too) and compared in constant time with every stored hash, so
 * "unknown client" and "wrong secret" get the same answer in the same time.
 */
import { parseBasicAuthorization } from '../basic/parse';
import { AuthError } from '../errors';
import { headerValues } from '../util/http-headers';
import { ClientSecretHasher, macEqual } from './client-secrets';
import type { ClientAuthMethod, ClientLookup, OAuthClient } from './clients';
import { invalidClient, invalidRequest } from './errors';
import type { FormParams } from './request';
import type { AssertionVerifier } from './assertions';

export { CLIENT_ASSERTION_TYPE as JWT_BEARER_ASSERTION } from '../jwt/assertion';
import { CLIENT_ASSERTION_TYPE as JWT_BEARER_ASSERTION } from '../jwt/assertion';

/** A secret this close to its expiry is still accepted, and its use is an audit event. */
export const SECRET_EXPIRY_NOTICE_MS = 14 * 86_400_000;

export interface AuthenticatedClient {
  client: OAuthClient;
  method: ClientAuthMethod;
  /** For the audit stream: e.g. the secret used expires soon. */
  notice?: string;
}

export interface ClientAuthenticatorOptions {
  hasher: ClientSecretHasher;
  assertions?: AssertionVerifier;
  /** Methods this server accepts (metadata token_endpoint_auth_methods_supported). */
  methods: readonly ClientAuthMethod[];
  /** Realm of the Basic challenge on invalid_client. */
  realm: string;
  now?: () => number;
}

// Compared with when the client is unknown, so that path costs what a known one does.
const DUMMY_MAC = Buffer.alloc(32, 0x5a);

export class ClientAuthenticator {
  private readonly now: () => number;

  constructor(private readonly opts: ClientAuthenticatorOptions) {
    this.now = opts.now ?? Date.now;
  }

  async authenticate(rawHeaders: readonly string[], params: FormParams, clients: ClientLookup): Promise<AuthenticatedClient> {
    const headers = headerValues(rawHeaders, 'authorization');
    const bodyId = params.one.get('client_id');
    const bodySecret = params.one.get('client_secret');
    const assertion = params.one.get('client_assertion');
    const assertionType = params.one.get('client_assertion_type');
    const used = [headers.length > 0, bodySecret !== undefined, assertion !== undefined || assertionType !== undefined].filter(Boolean).length;
    if (used > 1) throw invalidRequest('Use exactly one client authentication method', 'more than one client authentication method');
    if (headers.length > 0) {
      const { id, secret } = basicClientCredentials(headers);
      if (bodyId !== undefined && bodyId !== id) throw invalidRequest('client_id differs from the authenticated client', 'client_id in the body differs from Basic');
      return this.bySecret(clients, id, secret, 'client_secret_basic');
    }
    if (bodySecret !== undefined) {
      if (bodyId === undefined) throw invalidRequest('client_id is required with client_secret', 'client_secret without client_id');
      return this.bySecret(clients, bodyId, bodySecret, 'client_secret_post');
    }
    if (assertion !== undefined || assertionType !== undefined) {
      if (assertionType !== JWT_BEARER_ASSERTION) throw invalidRequest('client_assertion_type must be ' + JWT_BEARER_ASSERTION, 'unsupported client_assertion_type');
      if (assertion === undefined) throw invalidRequest('client_assertion is required', 'client_assertion missing');
      this.allowed('private_key_jwt');
      if (!this.opts.assertions) throw this.refuse('private_key_jwt is not configured');
      const client = await this.opts.assertions.verify(assertion, bodyId, clients);
      return this.usable(client, 'private_key_jwt');
    }
    throw this.refuse(bodyId === undefined ? 'no client authentication' : 'client_id without a secret or assertion (public clients are not supported)');
  }

  private async bySecret(clients: ClientLookup, id: string, secret: string, method: ClientAuthMethod): Promise<AuthenticatedClient> {
    this.allowed(method);
    const client = await clients.get(id);
    const mac = this.opts.hasher.mac(id, secret);
    const now = this.now();
    let match: { expiresAt?: number } | undefined;
    // Every stored hash is compared (no early exit), expired ones too; unknown clients compare with a dummy.
    for (const entry of client?.secrets ?? [{ mac: DUMMY_MAC, expiresAt: 0 }]) {
      const equal = macEqual(mac, entry.mac);
      if (equal && (entry.expiresAt === undefined || entry.expiresAt > now)) match = entry;
    }
    if (!client || !match) throw this.refuse(client ? 'wrong or expired client secret' : 'unknown client');
    const authenticated = this.usable(client, method);
    if (match.expiresAt !== undefined && match.expiresAt - now < SECRET_EXPIRY_NOTICE_MS) {
      authenticated.notice = `client secret expires ${new Date(match.expiresAt).toISOString()}`;
    }
    return authenticated;
  }

  private usable(client: OAuthClient, method: ClientAuthMethod): AuthenticatedClient {
    if (!client.enabled) throw this.refuse(`client ${client.id} is disabled`);
    if (client.authMethod && client.authMethod !== method) throw this.refuse(`client ${client.id} must use ${client.authMethod}`);
    return { client, method };
  }

  private allowed(method: ClientAuthMethod): void {
    if (!this.opts.methods.includes(method)) throw this.refuse(`${method} is not enabled on this server`);
  }

  private refuse(reason: string) {
    return invalidClient(reason, this.opts.realm);
  }
}

/**
 * The client id and secret of a Basic header (RFC 6749 §2.3.1): RFC 7617
 * Basic, then each part form-urlencoding-decoded (App. B: `+` is a space,
 * `%XX` a UTF-8 byte). Anything malformed is `invalid_request`.
 */
export function basicClientCredentials(headers: string[]): { id: string; secret: string } {
  let creds;
  try {
    creds = parseBasicAuthorization(headers);
  } catch (e) {
    if (e instanceof AuthError) throw invalidRequest('Malformed Basic client credentials', `Basic header: ${e.reason}`);
    throw e;
  }
  const id = formDecode(creds.username);
  const secret = formDecode(creds.password);
  if (id === undefined || secret === undefined) throw invalidRequest('Malformed Basic client credentials', 'Basic credentials are not form-urlencoded (RFC 6749 App. B)');
  if (id === '') throw invalidRequest('Malformed Basic client credentials', 'empty client id');
  return { id, secret };
}

/** application/x-www-form-urlencoded decoding of one value; undefined when malformed. */
export function formDecode(value: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return undefined;
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined; // percent-escapes that are not UTF-8
  }
}

/** The App. B encoding a client applies before Basic (for tests and tooling). */
export function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+').replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}
