import { NodeSchema } from '../shared/schema';

/** authflow-issuer (config node): see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-issuer',
  version: 1,
  properties: {
    name: { default: '' },
    iss: { default: '' },
    aud: { default: '' },
    format: { default: 'jwt', choices: ['jwt', 'opaque'] },
    alg: { default: 'HS256' },
    kid: { default: '' },
    // JWT signing keys: the one configured here, or generated and rotated in the store (lib/tokens/key-ring.ts).
    keyMode: { default: 'configured', choices: ['configured', 'rotating'] },
    rotateDays: { default: 30, rule: 'positiveWholeOrBlank' },
    accessTtl: { default: 900, rule: 'positiveWholeOrBlank' },
    refreshTtl: { default: 86400, rule: 'positiveWholeOrBlank' },
    extraClaims: { default: '', rule: 'jsonObjectOrBlank' },
    store: { default: '', configType: 'authflow-store' },
  },
  credentials: { secret: { type: 'password' }, privateKey: { type: 'password' }, dataKey: { type: 'password' } },
  migrations: [(c) => c], // 0 → 1: configVersion introduced, nothing renamed
};
