import { COMMON_PROPERTIES, NodeSchema } from '../shared/schema';

/** Where a requirement list comes from: typed in (`str`), or read per request. */
const LIST_TYPES = ['str', 'msg', 'flow', 'global', 'env'] as const;

const REQUIREMENT = 'give scopes and/or roles: an empty requirement would let every authenticated caller through';

/** authflow-scope: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-scope',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    // Nothing required would pass every authenticated caller: both fields red until one is set.
    scopes: { default: '', rule: 'scopesOrRoles', message: REQUIREMENT },
    scopesType: { default: 'str', choices: LIST_TYPES },
    scopeMatch: { default: 'all', choices: ['all', 'any'] },
    roles: { default: '', rule: 'scopesOrRoles', message: REQUIREMENT },
    rolesType: { default: 'str', choices: LIST_TYPES },
    roleMatch: { default: 'all', choices: ['all', 'any'] },
    realm: { default: 'api', required: true, rule: 'quotedText' },
  },
  migrations: [(c) => c], // 0 → 1: the first version
};
