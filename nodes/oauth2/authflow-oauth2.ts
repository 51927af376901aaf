import { assertSupportedNode } from '../shared/supported-node';
import {
  AuthError, ClientDirectory, OAuthOperation, OAuthRequest, OAuthResult, OAuthServer, authCodeOf, couldNotCheck, emitDecision, oauthFailure, oncePerValue, queryOf,
} from '../../lib/internal';
import type { KeyRing, KeyRingStatus } from '../../lib/internal';
import type { RED, RedMsg, RedNode } from '../shared/red-types';
import { StatusReporter } from '../shared/status';
import { answer, clientIp, nodeFacts, reportUnexpected, requestFacts, settle } from '../shared/decision';
import { setupOrFailClosed } from '../shared/fail-closed-setup';
import { createCredentialSource } from '../shared/credential-source';
import { watchStoreStatus } from '../shared/store-ref';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-oauth2.schema';
import type { OAuthServerProvider } from './server-provider';
import type { IssuerProvider } from '../login/issuer-provider';

interface OAuth2Config {
  name?: string;
  server?: string;
  operation?: OAuthOperation;
  respond?: boolean;
}

/**
 * authflow-oauth2: one endpoint (token, revoke, introspect, metadata, jwks)
 * of the authflow-oauth2-server it selects. One node type with an operation,
 * like the login node: every endpoint shares the server's settings (issuer,
 * clients, URLs), so a flow shows five small nodes over one config instead
 * of five copies of it. The answer is RFC-shaped (RFC 6749 §5.1/§5.2, RFC
 * 7009, RFC 7662, RFC 8414): sent by the node itself by default; output 1
 * after a success (msg.auth = the client, never its token or secret),
 * output 2 with a refusal when the node does not respond itself.
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowOAuth2(this: RedNode, config: OAuth2Config) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    const status = new StatusReporter(node);
    const respond = config.respond !== false;
    const operation = config.operation ?? 'token';
    // A configuration error fails closed (shared rule): every request gets the 503 AUTH_011 answer below.
    const handle = setupOrFailClosed(node, status, () => {
      assertConfig(schema, config);
      const provider = RED.nodes.getNode(config.server || '') as OAuthServerProvider | null;
      if (!provider || typeof provider.oauth !== 'function') throw new Error('select an oauth2 server (authflow-oauth2-server config node)');
      // The server is built on first use and a failed build is retried by the config node after a short
      // backoff: until it builds, this endpoint fails closed (503 AUTH_011) and tries again on the next request.
      let attached: ((msg: RedMsg) => Promise<OAuthResult>) | undefined;
      const attach = () => {
        if (attached) return attached;
        const server = provider.oauth();
        const issuer = RED.nodes.getNode(provider.issuerId || '') as IssuerProvider | null;
        if (issuer?.storeId) watchStoreStatus(RED, node, issuer.storeId, status);
        // The list from the server's own credentials, or read per request where this endpoint runs (its flow, its msg).
        // `store`: the registry in the issuer's store, read per request (lib/oauth2/client-store.ts).
        const read = provider.clientsType === 'store'
          ? () => server.registry
          : provider.clientsType === 'cred'
            ? () => provider.credentials?.clientList
            : createCredentialSource(RED, node, provider.clientsType, provider.clients, 'clientList');
        const report = oncePerValue((dir) => {
          if (!(dir instanceof ClientDirectory)) return; // the store registry refuses bad records when they are written
          const d = dir;
          for (const p of [...d.problems, ...d.warnings]) node.warn(`client list: ${p}`);
        });
        const clients = (msg: RedMsg) => {
          const raw = read(msg);
          return raw instanceof Promise ? raw.then((v) => (reportList(server, v, report), v)) : (reportList(server, raw, report), raw);
        };
        status.ready(operation);
        if (server.keyRing && (operation === 'jwks' || operation === 'rotate')) showKeys(node, status, server.keyRing);
        // msg.req: it came over HTTP; msg.auth: a check node before this one authenticated the caller.
        attached = (msg: RedMsg) => server.handle(operation, requestOf(msg), () => clients(msg), { overHttp: msg.req !== undefined, authenticated: msg.auth !== undefined });
        return attached;
      };
      try {
        attach();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        node.error(`configuration error: ${message}`);
        status.configError(`config error: ${message}`);
      }
      return (msg: RedMsg) => {
        let run: (msg: RedMsg) => Promise<OAuthResult>;
        try {
          run = attach();
        } catch {
          throw couldNotCheck('oauth2 server configuration invalid');
        }
        return run(msg);
      };
    });
    node.on('input', (msg, send, done) => settle(
      () => handle(msg),
      (result) => finish(node, status, msg, result, respond, send),
      // Only the fail-closed handler throws: the same RFC 6749 §5.2-shaped 503 AUTH_011 the server gives.
      (e) => finish(node, status, msg, oauthFailure(e), respond, send),
      done,
    ));
  }
  RED.nodes.registerType('authflow-oauth2', AuthflowOAuth2);
};

/** The rotation state in the node status: which key signs, and when the next one takes over. */
function showKeys(node: RedNode, status: StatusReporter, ring: KeyRing): void {
  const show = (s: KeyRingStatus) => {
    if (s.active) status.ready(`signs ${s.active.slice(0, 8)}… · next ${(s.next ?? '-').slice(0, 8)}… · rotates ${s.rotatesAt ? new Date(s.rotatesAt).toISOString().slice(0, 16) : '-'}`);
  };
  show(ring.status());
  ring.on('status', show);
  node.on('close', (_removed, done) => {
    ring.off('status', show);
    done();
  });
}

/** Problems of a client list are the operator's to hear, once per list value. */
function reportList(server: OAuthServer, raw: unknown, report: (dir: unknown) => void): void {
  if (raw === undefined || raw === null) return;
  try {
    report(server.clients(raw));
  } catch {
    // An unusable list is answered 503 by the server itself.
  }
}

/** What the OAuth endpoints read of the msg's HTTP request (an inject has none: a GET without parameters). */
function requestOf(msg: RedMsg): OAuthRequest {
  return {
    method: msg.req?.method ?? 'GET',
    rawHeaders: msg.req?.rawHeaders ?? [],
    query: queryOf(msg.req?.originalUrl ?? msg.req?.url),
    body: msg.req?.body,
  };
}

function finish(node: RedNode, status: StatusReporter, msg: RedMsg, result: OAuthResult, respond: boolean, send: (m: Array<RedMsg | null>) => void): void {
  if (result.unexpected !== undefined) reportUnexpected(node, result.unexpected);
  const allowed = result.outcome === 'allow';
  const code = allowed ? undefined : authCodeOf(result.error);
  if (allowed) status.allowed();
  else status.denied(new AuthError(code!, result.status, `${result.error} ${result.reason}`));
  const facts = { ip: clientIp(msg), ...requestFacts(msg), node: nodeFacts(node) };
  emitDecision(() => ({
    time: new Date().toISOString(), outcome: result.outcome, method: 'oauth2', code, status: result.status,
    reason: result.reason, subject: result.auth?.subject, ...facts,
  }));
  if (result.notice) {
    const notice = result.notice;
    emitDecision(() => ({ time: new Date().toISOString(), outcome: 'allow', method: 'oauth2', reason: notice, subject: result.auth?.subject, ...facts }));
  }
  if (result.auth) msg.auth = { ...result.auth, ip: facts.ip };
  else delete msg.auth;
  answer(msg, respond, result.status, result.headers, result.body);
  if (respond) {
    // The token went to the client; it does not travel further down the flow.
    delete msg.payload;
    delete msg.statusCode;
    delete msg.headers;
    if (allowed) send([msg, null]);
    return;
  }
  send(allowed ? [msg, null] : [null, msg]);
}
