import type { SessionTokensBundle } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import type { StatusReporter } from '../shared/status';
import { watchStoreStatus } from '../shared/store-ref';

/** What login and bearer nodes read from the authflow-issuer config node they select. */
export interface IssuerProvider {
  /** The token machinery, or a throw carrying the issuer's configuration error (fail closed). */
  tokens(): SessionTokensBundle;
  /** The authflow-store config node it uses; undefined = the embedded default. */
  storeId?: string;
}

/**
 * The selected issuer's token machinery; throws a configuration error when
 * none is usable. When the issuer uses an authflow-store, `node`'s status
 * follows that store's outages and recoveries.
 */
export function issuerTokens(RED: RED, issuerId: string | undefined, node?: RedNode, status?: StatusReporter): SessionTokensBundle {
  const provider = issuerId ? (RED.nodes.getNode(issuerId) as IssuerProvider | null) : null;
  if (!provider || typeof provider.tokens !== 'function') throw new Error('select a token issuer (authflow-issuer config node)');
  const tokens = provider.tokens();
  if (node && status && provider.storeId) watchStoreStatus(RED, node, provider.storeId, status);
  return tokens;
}
