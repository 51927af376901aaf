import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

/** authflow-rate-limit: see nodes/shared/schema.ts for what a schema feeds. Defaults match lib/limits. */
export const schema: NodeSchema = {
  type: 'authflow-rate-limit',
  version: 1,
  properties: {
    // No debugHeaders: the rate-limit headers are the answer's own.
    name: COMMON_PROPERTIES.name,
    respond: COMMON_PROPERTIES.respond,
    // 1-8 limits, each `limit` requests per `window` `unit` (s, m, h, d); all must pass (e.g. 10/s and 10,000/d).
    limits: { default: [{ name: '', limit: 100, window: 1, unit: 'm' }], rule: 'rateLimits' },
    // Who a request counts against; without that identity (no earlier check, no property) its client address.
    keyBy: { default: 'ip', choices: ['ip', 'subject', 'keyId', 'clientId', 'route', 'msg', 'all'] },
    keyProperty: { default: '', required: true, when: { field: 'keyBy', is: ['msg'] }, message: 'key by msg property needs the property name' },
    trustedProxies: { default: '', rule: 'ipRules' },
    // Limiters with the same group share counts in a shared store; empty = this node's id.
    group: { default: '' },
    /** authflow-store config node (Redis) shared by every instance; empty = this process's memory. */
    store: { default: '', configType: 'authflow-store' },
    onStoreError: { default: 'closed', choices: ['closed', 'open'] },
    fallbackPercent: { default: 50, rule: 'percentOrBlank' },
    draftHeaders: { default: true },
    legacyHeaders: { default: true },
    quotaHeader: { default: false },
  },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
