import type { SessionTokensBundle } from '../../lib/session';
import type { RED } from '../shared/red-types';

/** What login and bearer nodes read from the authflow-issuer config node they select. */
export interface IssuerProvider {
  /** The token machinery, or a throw carrying the issuer's configuration error (fail closed). */
  tokens(): SessionTokensBundle;
}

/** The selected issuer's token machinery; throws a configuration error when none is usable. */
export function issuerTokens(RED: RED, issuerId: string | undefined): SessionTokensBundle {
  const provider = issuerId ? (RED.nodes.getNode(issuerId) as IssuerProvider | null) : null;
  if (!provider || typeof provider.tokens !== 'function') throw new Error('select a token issuer (authflow-issuer config node)');
  return provider.tokens();
}
