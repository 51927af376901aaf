import { COMMON_PROPERTIES, LOCKOUT_PROPERTIES, NodeSchema, rename } from '../shared/schema';

/** authflow-login: see nodes/shared/schema.ts for what a schema feeds. */
export const schema: NodeSchema = {
  type: 'authflow-login',
  version: 1,
  properties: {
    ...COMMON_PROPERTIES,
    issuer: { default: '', configType: 'authflow-issuer', required: true },
    operation: { default: 'login', choices: ['login', 'refresh', 'logout', 'enrol', 'register', 'password'] },
    // register / password: ASVS 6.2.1 minimum length (8 or more), and the scopes every registered user gets.
    minPasswordLength: { default: 8, rule: 'positiveWholeOrBlank' },
    registerScopes: { default: '' },
    userSourceType: { default: 'cred', choices: ['cred', 'flow', 'global', 'env', 'msg'] },
    userSource: { default: '', sourceTypeField: 'userSourceType' },
    recheck: { default: false },
    // A user with a TOTP seed must give the code: asking only when a seed exists changes nothing for users without one.
    totp: { default: 'enrolled', choices: ['off', 'enrolled', 'always'] },
    totpLabel: { default: '' },
    ...LOCKOUT_PROPERTIES,
  },
  credentials: { userList: { type: 'text' } },
  migrations: [
    // 0 → 1: `users` is reserved by the Node-RED editor (dropped on deploy). A config without `totp`
    // gets the editor's default, 'enrolled' (the runtime used to read a missing field as 'off').
    (c) => {
      rename(c, 'users', 'userSource');
      rename(c, 'usersType', 'userSourceType');
      if (c.totp === undefined) c.totp = 'enrolled';
      return c;
    },
  ],
};
