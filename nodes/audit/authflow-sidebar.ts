import { auditEvents, AuthDecision, DecisionMonitor, emitDecision, publicView, ApiKeyService, AuthError, activeBans, liftBan, ClientRegistry, ClientRegistryError, toAuthError, unexpectedErrorReporter } from '../../lib/internal';
import type { StoreStatus } from '../../lib/internal';

/** The slice of Node-RED's plugin API this plugin uses (types only). */
interface Req { query: Record<string, unknown>; body?: Record<string, unknown> }
interface Res { status(code: number): Res; json(body: unknown): void; set?(headers: Record<string, string>): Res }
type Handler = (req: Req, res: Res) => void;
interface PluginRED {
  plugins: { registerPlugin(id: string, def: Record<string, unknown>): void };
  httpAdmin: { get(path: string, ...h: unknown[]): void; post(path: string, ...h: unknown[]): void };
  auth: { needsPermission(permission: string): unknown };
  comms: { publish(topic: string, data: unknown, retain: boolean): void };
  nodes: { eachNode(cb: (n: { id: string; type: string; name?: string }) => void): void; getNode(id: string): unknown };
  log: { warn(msg: string): void; error(msg: string): void };
}

const BASE = '/authflow-api-auth/sidebar';
/** Comms topic of the live stream; the editor subscribes to it. */
const TOPIC = 'authflow/decisions';
const PUBLISH_EVERY_MS = 1000;
/** At most this many events per publish: a flood reaches the editor as a sample plus counts, never as a flood. */
const PUBLISH_MAX = 50;
/** How long one read of /state keeps the stream on (the tab reads it every 30 s while visible). */
const WATCH_MS = 90_000;

/**
 * authflow-sidebar: the runtime half of the editor's "auth" sidebar tab
 * (the editor half is authflow-sidebar.html). Keeps recent decisions and
 * per-minute counts (lib/audit/monitor.ts), streams them to open editors
 * over RED.comms once a second, and serves admin endpoints behind the
 * editor's own permissions: authflow.read to look, authflow.write to
 * change (lift a lockout; create / revoke / rotate API keys; create, rotate,
 * disable OAuth clients kept in the store). Nothing returned holds a secret,
 * except a new API key or client secret, shown once to whoever created it.
 */
export = function register(RED: PluginRED) {
  RED.plugins.registerPlugin('authflow-sidebar', { type: 'authflow-sidebar' });
  const monitor = new DecisionMonitor({ size: 500 });
  // Decisions are only built while someone listens (lib/audit emitDecision): listen only while an editor
  // shows the tab (it reads /state on opening and every 30 s while visible), so a Node-RED nobody watches
  // pays nothing per request for the sidebar.
  const record = (d: AuthDecision) => monitor.record(d);
  let watchedUntil = 0;
  const watch = () => {
    if (watchedUntil === 0) auditEvents.on('decision', record);
    watchedUntil = Date.now() + WATCH_MS;
  };

  let published = 0;
  let publishes = 0;
  const timer = setInterval(() => {
    if (watchedUntil !== 0 && Date.now() > watchedUntil) {
      auditEvents.off('decision', record);
      watchedUntil = 0;
    }
    if (monitor.latest === published) return;
    const events = monitor.since(published, PUBLISH_MAX);
    published = monitor.latest;
    // Counts (up to 200 nodes × 30 minutes) change slowly: every 5th publish carries them.
    const withCounts = ++publishes % 5 === 1;
    RED.comms.publish(TOPIC, { latest: published, events, lockouts: activeBans(), ...(withCounts ? { counts: monitor.counts() } : {}) }, false);
  }, PUBLISH_EVERY_MS);
  timer.unref?.();

  // Unexpected errors: logged (class and stack frames, never the message or request data), answered 503 AUTH_011.
  const reportUnexpected = unexpectedErrorReporter((text) => RED.log.error(`[authflow sidebar] ${text}`));
  const fail = (res: Res, e: unknown) => answerError(res, e, reportUnexpected);
  const read = RED.auth.needsPermission('authflow.read');
  const write = RED.auth.needsPermission('authflow.write');
  const safe = (h: Handler): Handler => (req, res) => {
    try {
      h(req, res);
    } catch (e) {
      fail(res, e);
    }
  };

  RED.httpAdmin.get(`${BASE}/state`, read, safe((req, res) => {
    watch();
    res.json({ latest: monitor.latest, events: monitor.since(0, 200), counts: monitor.counts(), lockouts: activeBans(), stores: storeHealth(RED), keyStores: keyStores(RED), oauthServers: oauthServers(RED) });
  }));

  // Lifts a ban this process started (lib/limits/bans.ts): the ban and its failure count leave the store.
  RED.httpAdmin.post(`${BASE}/unlock`, write, safe((req, res) => {
    const id = typeof req.body?.id === 'string' ? req.body.id : '';
    liftBan(id).then((ban) => {
      if (!ban) {
        res.status(404).json({ error: 'not_found', message: 'no such lockout (over already?)' });
        return;
      }
      emitDecision(() => ({
        time: new Date().toISOString(), outcome: 'allow', method: 'lockout', event: 'lockout.lifted', subject: ban.user, ip: ban.address,
        reason: 'lockout lifted from the editor sidebar',
      }));
      res.json(ban);
    }, (e) => fail(res, e));
  }));

  RED.httpAdmin.get(`${BASE}/keys`, read, safe((req, res) => {
    const { service, owner } = keyTarget(RED, req.query);
    service.list(owner).then((all) => res.json({ keys: all.map((r) => publicView(r, Date.now())) }), (e) => fail(res, e));
  }));

  RED.httpAdmin.post(`${BASE}/keys`, write, safe((req, res) => {
    const body = req.body ?? {};
    const { service, owner, store } = keyTarget(RED, body);
    res.set?.({ 'Cache-Control': 'no-store' }); // the new key is in the answer
    service.create(owner, { name: body.name, scopes: body.scopes, env: body.env || undefined }).then(({ key, record }) => {
      audit('key.created', owner, record.id, store);
      res.json({ ...publicView(record, Date.now()), key }); // the only time the key leaves the runtime
    }, (e) => fail(res, e));
  }));

  for (const action of ['revoke', 'rotate'] as const) {
    RED.httpAdmin.post(`${BASE}/keys/${action}`, write, safe((req, res) => {
      const body = req.body ?? {};
      const { service, owner, store } = keyTarget(RED, body);
      res.set?.({ 'Cache-Control': 'no-store' }); // rotate answers with the new key
      if (action === 'revoke') {
        service.revoke(owner, body.id).then((record) => {
          audit('key.revoked', owner, record.id, store);
          res.json(publicView(record, Date.now()));
        }, (e) => fail(res, e));
      } else {
        service.rotate(owner, body.id).then(({ key, record, previous }) => {
          audit('key.rotated', owner, previous.id, store);
          res.json({ ...publicView(record, Date.now()), key, previous: publicView(previous, Date.now()) });
        }, (e) => fail(res, e));
      }
    }));
  }

  // OAuth clients kept in the store of an oauth2 server (lib/oauth2/client-store.ts).
  RED.httpAdmin.get(`${BASE}/oauth-clients`, read, safe((req, res) => {
    const { registry } = clientTarget(RED, req.query);
    registry.list().then((clients) => res.json({ clients }), (e) => fail(res, e));
  }));

  const clientActions: Record<string, (r: ClientRegistry, b: Record<string, unknown>) => Promise<{ clientId: string; what: string; body: unknown }>> = {
    create: async (r, b) => {
      const input = { ...(b.client as Record<string, unknown> | undefined ?? {}) };
      const made = await r.create(input);
      return { clientId: made.client.client_id, what: 'created', body: made };
    },
    rotate: async (r, b) => {
      const grace = b.graceSec === undefined || b.graceSec === '' ? undefined : Number(b.graceSec);
      const made = await r.addSecret(idOf(b), grace);
      return { clientId: idOf(b), what: `secret ${made.secret_id} added (older secrets expire in ${grace ?? 86_400} s)`, body: made };
    },
    'revoke-secret': async (r, b) => ({ clientId: idOf(b), what: `secret ${String(b.secretId).slice(0, 40)} revoked`, body: await r.revokeSecret(idOf(b), String(b.secretId ?? '')) }),
    enable: async (r, b) => {
      if (typeof b.enabled !== 'boolean') throw new BadRequest('enabled must be true or false');
      return { clientId: idOf(b), what: b.enabled ? 'enabled' : 'disabled', body: await r.setEnabled(idOf(b), b.enabled) };
    },
  };
  for (const [action, run] of Object.entries(clientActions)) {
    RED.httpAdmin.post(`${BASE}/oauth-clients${action === 'create' ? '' : '/' + action}`, write, safe((req, res) => {
      const body = req.body ?? {};
      const { registry, server } = clientTarget(RED, body);
      res.set?.({ 'Cache-Control': 'no-store' }); // a new secret is in the answer
      run(registry, body).then(({ clientId, what, body: answer }) => {
        emitDecision(() => ({
          time: new Date().toISOString(), outcome: 'allow', method: 'oauth2', event: action === 'create' ? 'client.created' : 'client.changed',
          subject: clientId, clientId, reason: `OAuth client ${what} from the editor sidebar`, node: { id: server, type: 'authflow-oauth2-server' },
        }));
        res.json(answer); // a new client_secret leaves the runtime only here, once
      }, (e) => fail(res, e));
    }));
  }
};

function idOf(b: Record<string, unknown>): string {
  if (typeof b.id !== 'string' || !b.id) throw new BadRequest('id (the client id) is required');
  return b.id;
}

function clientTarget(RED: PluginRED, q: Record<string, unknown>): { registry: ClientRegistry; server: string } {
  const server = typeof q.server === 'string' ? q.server : '';
  const node = server ? (RED.nodes.getNode(server) as { type?: string; oauth?: () => { registry: ClientRegistry } } | null) : null;
  if (!node || node.type !== 'authflow-oauth2-server' || typeof node.oauth !== 'function') throw new BadRequest('no such oauth2 server (deploy it first)');
  return { registry: node.oauth().registry, server };
}

function oauthServers(RED: PluginRED) {
  const out: Array<{ id: string; name?: string }> = [];
  RED.nodes.eachNode((n) => {
    if (n.type === 'authflow-oauth2-server') out.push({ id: n.id, name: n.name || undefined });
  });
  return out;
}

/** Key management from the sidebar is an audit event like any other (by the editor user, for `owner`). */
function audit(event: 'key.created' | 'key.revoked' | 'key.rotated', owner: string, keyId: string, store: string): void {
  emitDecision(() => ({
    time: new Date().toISOString(), outcome: 'allow', method: 'api_key', event, subject: owner, keyId,
    reason: `${event.replace('key.', 'API key ')} from the editor sidebar`, node: { id: store, type: 'authflow-key-store' },
  }));
}

function keyTarget(RED: PluginRED, q: Record<string, unknown>): { service: ApiKeyService; owner: string; store: string } {
  const store = typeof q.store === 'string' ? q.store : '';
  const owner = typeof q.owner === 'string' ? q.owner.trim() : '';
  if (!owner) throw new BadRequest('owner is required');
  const node = store ? (RED.nodes.getNode(store) as { type?: string; apiKeys?: () => ApiKeyService } | null) : null;
  if (!node || node.type !== 'authflow-key-store' || typeof node.apiKeys !== 'function') throw new BadRequest('no such API key store (deploy it first)');
  return { service: node.apiKeys(), owner, store };
}

class BadRequest extends Error {}

/** Errors as the sidebar shows them: a refusal's public code and reason (never a secret), 400 for bad input, 503 AUTH_011 otherwise. */
function answerError(res: Res, e: unknown, reportUnexpected: (e: unknown) => void): void {
  if (e instanceof AuthError) res.status(e.status === 401 ? 404 : e.status).json({ error: e.code, message: e.reason });
  else if (e instanceof ClientRegistryError) res.status(e.status).json({ error: e.status === 404 ? 'not_found' : e.status === 409 ? 'conflict' : 'bad_request', message: e.message });
  else if (e instanceof BadRequest || (e instanceof Error && e.name === 'RequestFieldError')) res.status(400).json({ error: 'bad_request', message: e.message });
  else {
    reportUnexpected(e);
    const err = toAuthError(e); // 503 AUTH_011: the runtime could not do it; never a 500
    res.status(err.status).json({ error: err.code, message: err.publicMessage });
  }
}

function storeHealth(RED: PluginRED) {
  const out: Array<{ id: string; name?: string; backend?: string; state: string; reason?: string }> = [];
  RED.nodes.eachNode((n) => {
    if (n.type !== 'authflow-store') return;
    const node = RED.nodes.getNode(n.id) as { backend?: string; storeStatus?: StoreStatus } | null;
    out.push({ id: n.id, name: n.name || undefined, backend: node?.backend, state: node ? node.storeStatus?.state ?? 'unknown' : 'not deployed', reason: node?.storeStatus?.reason });
  });
  return out;
}

function keyStores(RED: PluginRED) {
  const out: Array<{ id: string; name?: string }> = [];
  RED.nodes.eachNode((n) => {
    if (n.type === 'authflow-key-store') out.push({ id: n.id, name: n.name || undefined });
  });
  return out;
}
