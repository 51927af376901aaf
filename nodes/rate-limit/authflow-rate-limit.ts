import { assertSupportedNode } from '../shared/supported-node';
import { rateLimitCheck, isScriptRunner, emitDecision, StoreUnavailableError } from '../../lib/internal';
import type { AuthInfo, RateLimitCheck, RateLimitRequest, RateLimitResult, RateLimitWindow, ScriptRunner } from '../../lib/internal';
import type { RED, RedMsg, RedNode } from '../shared/red-types';
import { StatusReporter } from '../shared/status';
import { DecisionOptions, nodeFacts, reject, requestFacts, settle } from '../shared/decision';
import { requestOf, MsgRequest } from '../shared/msg-request';
import { setHeaders } from '../shared/response-headers';
import { loadConfig, assertConfig } from '../shared/schema';
import { setupOrFailClosed } from '../shared/fail-closed-setup';
import { watchStoreStatus } from '../shared/store-ref';
import { schema } from './authflow-rate-limit.schema';

/** What the dialog stores (nodes/rate-limit/authflow-rate-limit.schema.ts); loaded with every default filled. */
interface RateLimitConfig {
  name: string;
  limits: RateLimitWindow[];
  keyBy: 'ip' | 'subject' | 'keyId' | 'clientId' | 'route' | 'msg' | 'all';
  keyProperty: string;
  trustedProxies: string;
  group: string;
  store: string;
  onStoreError: 'closed' | 'open';
  fallbackPercent: number | string;
  draftHeaders: boolean;
  legacyHeaders: boolean;
  quotaHeader: boolean;
  respond: boolean;
}

interface StoreProviderLike {
  store?: unknown;
  backend?: string;
}

type Request = MsgRequest & RateLimitRequest;

/** The neutral request plus the route (method, path without the query): listed rather than spread, one fixed shape. */
function rateLimitRequestOf(msg: RedMsg): Request {
  const req = requestOf(msg);
  return { msg, rawHeaders: req.rawHeaders, query: req.query, peer: req.peer, previous: req.previous, method: msg.req?.method, path: msg.req?.path ?? msg.req?.url };
}

/**
 * authflow-rate-limit: counts requests per client (IP, subject, API key id,
 * client id, route, any msg property) against one or more GCRA limits
 * (lib/limits/rate-limit.ts). Output 1: within the limits, msg.auth
 * untouched, msg.rateLimit set and the headers on the response; output 2:
 * 429 AUTH_009 (or 503 AUTH_011 when the store is down and fails closed).
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowRateLimit(this: RedNode, saved: RateLimitConfig) {
    RED.nodes.createNode(this, saved);
    const node = this;
    const config = loadConfig<RateLimitConfig>(schema, saved); // migrated, defaults filled
    const status = new StatusReporter(node);
    let check: RateLimitCheck<Request> | undefined;
    const opts: DecisionOptions = {
      method: 'rate-limit',
      respond: !!config.respond,
      status,
      challenge: (err) => check?.challenge(err) ?? {},
    };
    // A limiter that cannot be built lets nothing through (503 AUTH_011).
    const run = setupOrFailClosed<RateLimitResult>(node, status, setup);

    function setup(): (msg: RedMsg) => RateLimitResult | Promise<RateLimitResult> {
      assertConfig(schema, config);
      const failOpen = config.onStoreError === 'open';
      const percent = config.fallbackPercent === '' ? 50 : Number(config.fallbackPercent);
      const degraded = `store down · local limits ${percent}%`;
      const store = sharedStore();
      const keyBy = config.keyBy === 'msg' ? 'custom' : config.keyBy;
      const built = rateLimitCheck<Request>({
        limits: config.limits,
        keyBy,
        custom: (req) => RED.util.getMessageProperty(req.msg, config.keyProperty),
        customLabel: 'msg',
        trustedProxies: config.trustedProxies,
        headers: { draft: config.draftHeaders !== false, legacy: config.legacyHeaders !== false, quota: !!config.quotaHeader },
        store,
        group: config.group || node.id,
        onStoreError: failOpen ? 'open' : 'closed',
        fallbackPercent: percent,
        onDegraded: (on, reason) => {
          if (on) node.warn(`store unavailable (${reason}): local fallback limits (${percent}%) decide`);
          else node.log('store available: shared limits decide again');
          status.warn(on ? degraded : undefined);
        },
      });
      check = built;
      const limiter = built.limiter;
      let evicted = 0;
      const label = `${limiter.policies.map((p) => `${p.limit}/${p.windowSec}s`).join(' + ')} per ${config.keyBy}${store ? ' (redis)' : ''}`;
      status.ready(label);
      // Outages show at once (fail open: a warning, local limits decide); recovery brings the limits label back.
      watchStoreStatus(RED, node, config.store, status, { ready: label, degraded: failOpen ? degraded : undefined });
      return (msg) => {
        const result = built.run(rateLimitRequestOf(msg));
        if (limiter.evictedLive > evicted) {
          evicted = limiter.evictedLive;
          status.warn('too many clients for the memory limit: oldest forgotten');
        }
        return result;
      };
    }

    /** The Redis store of the selected authflow-store node; undefined = this process's memory. */
    function sharedStore(): ScriptRunner | undefined {
      if (!config.store) return undefined;
      const provider = RED.nodes.getNode(config.store) as StoreProviderLike | null;
      if (!provider?.store) throw new Error('the selected authflow-store config node is missing or not deployed');
      if (provider.backend !== 'redis') throw new Error(`rate limits are shared through a Redis store (this store is ${provider.backend}); leave Store empty to count in this process`);
      // A Redis store whose configuration failed answers AUTH_011 to everything: the chosen outage policy applies.
      return isScriptRunner(provider.store)
        ? provider.store
        : { evalScript: () => Promise.reject(new StoreUnavailableError('store configuration invalid')) };
    }

    const accept = (msg: RedMsg, result: RateLimitResult, send: (m: Array<RedMsg | null>) => void) => {
      const headers = check!.headers(result);
      // On the response itself: they reach the client whatever later nodes do with msg.headers.
      const res = msg.res?._res;
      if (res && !res.headersSent) setHeaders(res, headers);
      msg.rateLimit = result;
      status.allowed();
      const auth = msg.auth as Partial<AuthInfo> | undefined;
      emitDecision(() => ({
        time: new Date().toISOString(), outcome: 'allow', method: 'rate-limit',
        reason: result.source === 'local-fallback' ? 'within local fallback limits (store unavailable)' : 'within rate limits',
        subject: auth?.subject, keyId: auth?.keyId, ip: auth?.ip, ...requestFacts(msg), node: nodeFacts(node),
      }));
      send([msg, null]);
    };

    node.on('input', (msg, send, done) => {
      settle(() => run(msg), (result) => accept(msg, result, send), (err) => reject(node, opts, msg, err, send), done);
    });
  }
  RED.nodes.registerType('authflow-rate-limit', AuthflowRateLimit);
};
