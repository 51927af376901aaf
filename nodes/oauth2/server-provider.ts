import type { OAuthServer } from '../../lib/internal';

/** What an authflow-oauth2 node reads from the authflow-oauth2-server config node it selects. */
export interface OAuthServerProvider {
  /** The server (built on first use, after every config node exists), or a throw with its configuration error. */
  oauth(): OAuthServer;
  /** The selected authflow-issuer config node. */
  issuerId?: string;
  /** Where the client list comes from (a source type of nodes/shared/credential-source.ts) and its key. */
  clientsType: string;
  clients: string;
  credentials: Record<string, string | undefined>;
}
