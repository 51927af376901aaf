import { NodeSchema } from '../shared/schema';

/** authflow-store (config node): see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-store',
  version: 1,
  properties: {
    name: { default: '' },
    backend: { default: 'context', required: true, choices: ['context', 'redis', 'postgres'] },
    contextStore: { default: '' },
    keyPrefix: { default: '', rule: 'storeKeyPrefix' },
    redisTls: { default: false },
    redisOptions: { default: '', rule: 'jsonObjectOrBlank' },
    pgTable: { default: '', rule: 'pgTable' },
    timeout: { default: '', rule: 'timeoutMs' },
  },
  credentials: {
    redisUrl: { type: 'password' },
    redisPassword: { type: 'password' },
    redisSentinelPassword: { type: 'password' },
    pgConnectionString: { type: 'password' },
  },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
