import { assertSupportedNode } from '../shared/supported-node';
import { AuthInfo, InvalidCredentialsError, headerValues } from '../../lib/internal';
import {
  LoginService, TotpGuard, TotpEnrolment, TotpPolicy, Accounts, PasswordPolicy,
  readLoginFields, readRefreshToken, readEnrolmentFields, refuseSecretsInQuery,
} from '../../lib/internal';
import type { RED, RedMsg, RedNode } from '../shared/red-types';
import { createCredentialSource, CredentialSource } from '../shared/credential-source';
import { createLockout, requestIp, LockoutConfig } from '../shared/lockout-config';
import { watchListWarnings } from '../shared/list-warnings';
import { initEndpointNode, EndpointResult } from './endpoint';
import { issuerTokens } from './issuer-provider';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-login.schema';
import { registerHashPasswordEndpoint } from '../shared/hash-password-endpoint';

type Operation = 'login' | 'refresh' | 'logout' | 'enrol' | 'register' | 'password';

interface LoginConfig extends LockoutConfig {
  name?: string;
  respond?: boolean;
  issuer?: string;
  operation?: Operation;
  /** Where the user list comes from (`cred`, flow, global, env, msg) and its key; `users` before configVersion 1. */
  userSourceType?: string;
  userSource?: string;
  /** refresh: read the user again on every refresh. */
  recheck?: boolean;
  totp?: TotpPolicy;
  totpLabel?: string;
  minPasswordLength?: number | string;
  registerScopes?: string;
}

/**
 * authflow-login: the session endpoints of one token issuer, one operation per
 * node — login (password + TOTP → tokens), refresh (rotation), logout
 * (revocation), enrol (TOTP enrolment of the authenticated user).
 */
export = function register(RED: RED) {
  assertSupportedNode();
  registerHashPasswordEndpoint(RED); // the dialog's "add user" button
  function AuthflowLogin(this: RedNode, config: LoginConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled (totp: 'enrolled')
    const node = this;
    const operation: Operation = config.operation ?? 'login';
    initEndpointNode(node, config, {
      method: 'login',
      setup(status) {
        assertConfig(schema, config);
        if (!['login', 'refresh', 'logout', 'enrol', 'register', 'password'].includes(operation)) throw new Error(`unknown operation "${operation}"`);
        status.ready(operation);
        const tokens = issuerTokens(RED, config.issuer, node, status);
        const lockout = createLockout(tokens.store, config);
        const guard = new TotpGuard(tokens.store);
        const enrolment = tokens.dataKey
          ? new TotpEnrolment(tokens.store, tokens.dataKey, guard, { issuerTag: tokens.tags.factors, issuerLabel: appLabel(config.totpLabel, tokens.issuer.issuer) })
          : undefined;
        if (operation === 'enrol' && !enrolment) throw new Error('TOTP enrolment needs a data key on the issuer (opaque tokens have no signing key to derive one from)');
        const policy = config.totp as TotpPolicy; // one of the schema's choices (assertConfig)
        const service = new LoginService({ tokens, lockout, totp: { policy, guard, enrolment } });
        // Self-registered users live in the issuer's store, beside the user list (which wins on a shared name).
        const accounts = new Accounts(tokens.store, {
          policy: new PasswordPolicy({ minLength: Number(config.minPasswordLength) || 8 }),
          scopes: String(config.registerScopes || '').split(/[\s,]+/).filter(Boolean),
        });
        // register reads the list too: a list user's name is taken (else its tokens would carry that user's subject).
        // A session of this issuer, as an account remembers it (accounts are shared by every issuer on the store).
        const mine = (sid: string) => ({ issuerTag: tokens.families.issuerTag, sid });
        const needsUsers = operation === 'login' || operation === 'register' || (operation === 'refresh' && !!config.recheck);
        let users: CredentialSource | undefined;
        let warnings: ((raw: unknown) => void) | undefined;
        if (needsUsers) {
          users = createCredentialSource(RED, node, config.userSourceType || 'cred', config.userSource || '', 'userList');
          warnings = watchListWarnings(node, status, service.users);
        }
        const readUsers = async (msg: RedMsg) => {
          const list = await users!(msg);
          warnings!(list);
          return list;
        };

        const ops: Record<Operation, (msg: RedMsg) => Promise<EndpointResult>> = {
          async login(msg) {
            const fields = readLoginFields(msg.payload);
            let list = await readUsers(msg);
            const ip = requestIp(msg);
            const found = service.users.find(list, fields.username) ? undefined : await accounts.find(fields.username);
            // The list wins on a shared name, however it is typed: an account whose login a list user holds
            // (registered before the list had it) never logs in, its subject would be that user's.
            const registered = found && !service.users.find(list, found.login) ? found : undefined;
            // One failure cost for list users, registered users and unknown names (ASVS 6.3.8).
            const cost = { likeList: list, floor: accounts.failureFloor };
            if (registered) {
              list = [accounts.userEntry(registered)];
              fields.username = registered.login;
            }
            const { response, auth } = await service.login(list, fields, ip, cost);
            // Sessions past the account's remembered 50 end now: a password change could not reach them.
            if (registered) for (const s of await accounts.noteSession(registered.login, mine(auth.claims!.sid as string))) await tokens.families.revoke(s.sid, s.issuerTag);
            return { statusCode: 200, payload: response, auth: { ...auth, ip }, reason: 'login' };
          },
          async register(msg) {
            const fields = accounts.readFields(msg.payload);
            // A user-list name counts as taken: the same decoy answer and work as a registered one (ASVS 6.3.8).
            const listed = service.users.find(await readUsers(msg), fields.login) !== undefined;
            const { created, account } = await accounts.register(fields, Date.now(), listed);
            const ip = requestIp(msg);
            const user = service.users.find([accounts.userEntry(account)], account.login)!;
            const { response, auth } = created ? await service.startSession(user, 'register') : await service.decoySession(user, 'register');
            if (created) await accounts.noteSession(account.login, mine(auth.claims!.sid as string));
            // For the flow only (a confirmation, or a "someone tried your address" mail): the client cannot tell.
            msg.registration = { status: created ? 'created' : 'taken', login: account.login, email: account.email, username: account.username, name: fields.name };
            return { statusCode: 201, payload: response, auth: { ...auth, ip }, reason: created ? 'registered' : 'registration of a taken login (same answer given)' };
          },
          async password(msg) {
            const who = msg.auth as AuthInfo | undefined;
            if (!who?.subject) throw new InvalidCredentialsError('changing a password needs an authenticated user: put a bearer node before it');
            const body = (msg.payload && typeof msg.payload === 'object' ? msg.payload : {}) as Record<string, unknown>;
            const account = await accounts.find(who.subject);
            if (!account) throw new InvalidCredentialsError('only registered accounts change their password here');
            const ip = requestIp(msg);
            const current = typeof body.current_password === 'string' ? body.current_password : '';
            await service.checkPassword([accounts.userEntry(account)], account.login, current, ip);
            const next = accounts.policy.check(body.new_password, [account.login, account.name]);
            const ended = await accounts.changePassword(account.login, next, typeof who.claims?.sid === 'string' ? mine(who.claims.sid) : undefined);
            // ASVS 7.4.3: every other session of this user ends now (refresh tokens and access tokens alike), at every issuer on the store.
            for (const s of ended) await tokens.families.revoke(s.sid, s.issuerTag);
            return { statusCode: 200, payload: { password_changed: true, sessions_ended: ended.length }, auth: who, reason: `password changed (${ended.length} other sessions ended)` };
          },
          async refresh(msg) {
            const token = readRefreshToken(msg.payload);
            const list = config.recheck ? await readUsers(msg) : undefined;
            const { response, auth } = await service.refresh(token, list);
            return { statusCode: 200, payload: response, auth: { ...auth, ip: requestIp(msg) }, reason: 'refresh' };
          },
          async logout(msg) {
            const token = readRefreshToken(msg.payload);
            const { revoked } = await service.logout(token, headerValues(msg.req?.rawHeaders, 'authorization'));
            return { statusCode: 204, reason: `logout (${revoked} revoked)` };
          },
          async enrol(msg) {
            const who = msg.auth as AuthInfo | undefined;
            if (!who?.subject) throw new InvalidCredentialsError('TOTP enrolment needs an authenticated user: put a bearer node before it');
            const result = await service.enrol({ subject: who.subject, sid: who.claims?.sid }, readEnrolmentFields(msg.payload), requestIp(msg));
            return { statusCode: 200, payload: result, auth: who, reason: 'enrolled' in result ? 'TOTP enrolment confirmed' : 'TOTP enrolment started' };
          },
        };
        const op = ops[operation];
        return async (msg) => {
          refuseSecretsInQuery(msg.req?.query);
          return op(msg);
        };
      },
    });
  }
  RED.nodes.registerType('authflow-login', AuthflowLogin, { credentials: schema.credentials });
};

/** The issuer name authenticator apps show: configured, else the host of `iss`; never a ':' (it splits the otpauth label). */
function appLabel(configured: string | undefined, iss: string | undefined): string {
  if (configured && configured.trim()) return configured.trim().replace(/:/g, ' ');
  try {
    if (iss) return new URL(iss).hostname;
  } catch {
    // not a URL: use it as it is
  }
  return (iss || 'Node-RED').replace(/:/g, ' ');
}
