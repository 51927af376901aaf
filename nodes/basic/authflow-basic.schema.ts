import { COMMON_PROPERTIES, LOCKOUT_PROPERTIES, NodeSchema, rename } from '../shared/schema';

/** authflow-basic: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-basic',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    realm: { default: 'api', required: true, rule: 'quotedText' },
    // Where the user list comes from: `cred` = the userList credential, else a flow/global/env/msg key.
    userSourceType: { default: 'cred', choices: ['cred', 'flow', 'global', 'env', 'msg'] },
    userSource: { default: '', sourceTypeField: 'userSourceType' },
    lockout: { default: true },
    ...LOCKOUT_PROPERTIES,
    store: { default: '', configType: 'authflow-store' },
  },
  credentials: { userList: { type: 'text' } },
  migrations: [
    // 0 → 1: `users` is reserved by the Node-RED editor (dropped on deploy); a node saved before lockout
    // existed has no `lockout` field and always ran with lockout on, at the default settings.
    (c) => {
      rename(c, 'users', 'userSource');
      rename(c, 'usersType', 'userSourceType');
      if (c.lockout === undefined) c.lockout = true;
      return c;
    },
  ],
};
