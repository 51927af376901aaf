import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

const RULE_SOURCES = ['str', 'flow', 'global', 'env', 'msg'];

/** authflow-ip: see nodes/shared/schema.ts for what a schema feeds. Rules read from context are checked when read. */
export const schema: NodeSchema = {
  type: 'authflow-ip',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    allowType: { default: 'str', choices: RULE_SOURCES },
    allow: { default: '', rule: 'ipRules', when: { field: 'allowType', is: ['str'] } },
    denyType: { default: 'str', choices: RULE_SOURCES },
    deny: { default: '', rule: 'ipRules', when: { field: 'denyType', is: ['str'] } },
    trustedProxies: { default: '', rule: 'ipRules' },
  },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
