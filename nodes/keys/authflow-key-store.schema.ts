import { NodeSchema } from '../shared/schema';

/** authflow-key-store (config node): see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-key-store',
  version: 1,
  properties: {
    name: { default: '' },
    // The authflow-store holding the keys; empty = the embedded default (Node-RED global context).
    store: { default: '', configType: 'authflow-store' },
    prefix: { default: 'kapi', required: true, rule: 'apiKeyPrefix' },
    defaultEnv: { default: 'prod', choices: ['prod', 'test', 'dev'] },
    lifetimeDays: { default: 90, rule: 'wholeOrBlank' },
    maxLifetimeDays: { default: 365, rule: 'wholeOrBlank' },
    graceHours: { default: 24, rule: 'numberOrBlank' },
    maxKeysPerOwner: { default: 100, rule: 'positiveWholeOrBlank' },
    // Name of an environment variable holding the hashing secret; empty = the node's secret credential.
    secretEnv: { default: '' },
  },
  credentials: { secret: { type: 'password' } },
  migrations: [(c) => c], // 0 → 1: the first version (no older configs exist)
};
