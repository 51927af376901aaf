import { assertSupportedNode } from '../shared/supported-node';
import {
  RateLimiter, RateLimitExceededError, rateLimitKey, rateLimitHeaders, isScriptRunner, emitDecision,
  IpSet, resolveClientIp, headerValues, MalformedCredentialsError, StoreUnavailableError,
} from '../../lib/internal';
import type { AuthInfo, RateLimitHeaderOptions, RateLimitPolicyInput, RateLimitResult, ScriptRunner, StoreStatus } from '../../lib/internal';
import type { RED, RedMsg, RedNode } from '../shared/red-types';
import { StatusReporter } from '../shared/status';
import { DecisionOptions, nodeFacts, reject, requestFacts, settle } from '../shared/decision';

/** What the dialog stores. `limits` units: s, m, h, d. */
interface RateLimitConfig {
  name?: string;
  limits?: Array<{ name?: string; limit: number | string; window: number | string; unit?: string }>;
  keyBy?: 'ip' | 'subject' | 'keyId' | 'clientId' | 'route' | 'msg' | 'all';
  keyProperty?: string;
  trustedProxies?: string;
  group?: string;
  store?: string;
  onStoreError?: 'closed' | 'open';
  fallbackPercent?: number | string;
  draftHeaders?: boolean;
  legacyHeaders?: boolean;
  quotaHeader?: boolean;
  respond?: boolean;
}

interface StoreProviderLike {
  store?: unknown;
  backend?: string;
  storeStatus?: StoreStatus;
  onStatus?(listener: (s: StoreStatus) => void): () => void;
}

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const KEY_KINDS = ['ip', 'subject', 'keyId', 'clientId', 'route', 'msg', 'all'];

/** What a new node starts with (the editor's default too): a node saved without limits runs with it. */
const DEFAULT_LIMITS = [{ name: '', limit: 100, window: 1, unit: 'm' }];

function policiesOf(config: RateLimitConfig): RateLimitPolicyInput[] {
  const limits = config.limits === undefined ? DEFAULT_LIMITS : Array.isArray(config.limits) ? config.limits : [];
  return limits.map((l) => {
    const unit = UNIT_SEC[l.unit ?? 's'];
    if (!unit) throw new RangeError(`unknown window unit "${l.unit}"`);
    return { name: l.name || undefined, limit: Number(l.limit), windowSec: Number(l.window) * unit };
  });
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
  function AuthflowRateLimit(this: RedNode, config: RateLimitConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    const status = new StatusReporter(node);
    const headerOpts: RateLimitHeaderOptions = { draft: config.draftHeaders !== false, legacy: config.legacyHeaders !== false, quota: !!config.quotaHeader };
    const opts: DecisionOptions = {
      method: 'rate-limit',
      respond: !!config.respond,
      status,
      challenge: (err) => (err instanceof RateLimitExceededError ? rateLimitHeaders(err.result, headerOpts) : {}),
    };
    let run: (msg: RedMsg) => RateLimitResult | Promise<RateLimitResult>;
    const cleanups: Array<() => void> = [];
    try {
      run = setup();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      node.error(`configuration error: ${message}`);
      status.configError(`config error: ${message}`);
      // Fail closed: a limiter that cannot be built lets nothing through.
      run = () => { throw new StoreUnavailableError('rate limit node configuration invalid'); };
    }

    function setup(): (msg: RedMsg) => RateLimitResult | Promise<RateLimitResult> {
      const keyBy = config.keyBy || 'ip';
      if (!KEY_KINDS.includes(keyBy)) throw new RangeError(`unknown key "${keyBy}"`);
      if (keyBy === 'msg' && !config.keyProperty) throw new RangeError('key by msg property needs the property name');
      const trusted = IpSet.from(config.trustedProxies ?? '');
      const failOpen = config.onStoreError === 'open';
      const percent = config.fallbackPercent === undefined || config.fallbackPercent === '' ? 50 : Number(config.fallbackPercent);
      const store = sharedStore(failOpen, percent);
      const limiter = new RateLimiter({
        policies: policiesOf(config),
        store,
        group: config.group || node.id,
        onStoreError: failOpen ? 'open' : 'closed',
        fallbackPercent: percent,
        onDegraded: (on, reason) => {
          if (on) node.warn(`store unavailable (${reason}): local fallback limits (${percent}%) decide`);
          else node.log('store available: shared limits decide again');
          status.warn(on ? `store down · local limits ${percent}%` : undefined);
        },
      });
      const clientKey = (msg: RedMsg): string => {
        const earlier = msg.auth as Partial<AuthInfo> | undefined;
        // The address an earlier check verified (an ip node behind a trusted proxy) wins.
        const ip = typeof earlier?.ip === 'string' && earlier.ip
          ? earlier.ip
          : resolveClientIp(msg.req?.socket?.remoteAddress ?? msg.req?.ip, headerValues(msg.req?.rawHeaders, 'x-forwarded-for'), trusted)?.text;
        if (ip === undefined) throw new MalformedCredentialsError('client address could not be determined', { status: 400 });
        return rateLimitKey('ip', ip);
      };
      // Without the chosen identity (no earlier check, no property) a request
      // counts against its client address, as Kong does: never unlimited.
      const keyOf = (msg: RedMsg): string => {
        switch (keyBy) {
          case 'all': return 'all';
          case 'route': return rateLimitKey('route', `${msg.req?.method ?? ''} ${msg.req?.path ?? msg.req?.url ?? ''}`);
          case 'msg': {
            const v = RED.util.getMessageProperty(msg, config.keyProperty!);
            return (typeof v === 'string' && v) || (typeof v === 'number' && Number.isFinite(v)) ? rateLimitKey('msg', String(v)) : clientKey(msg);
          }
          case 'ip': return clientKey(msg);
          default: {
            const v = (msg.auth as Record<string, unknown> | undefined)?.[keyBy];
            return typeof v === 'string' && v ? rateLimitKey(keyBy, v) : clientKey(msg);
          }
        }
      };
      let evicted = 0;
      status.ready(`${limiter.policies.map((p) => `${p.limit}/${p.windowSec}s`).join(' + ')} per ${keyBy}${store ? ' (redis)' : ''}`);
      return (msg) => {
        const result = limiter.check(keyOf(msg));
        if (limiter.evictedLive > evicted) {
          evicted = limiter.evictedLive;
          status.warn('too many clients for the memory limit: oldest forgotten');
        }
        return result;
      };
    }

    /** The Redis store of the selected authflow-store node; undefined = this process's memory. */
    function sharedStore(failOpen: boolean, percent: number): ScriptRunner | undefined {
      if (!config.store) return undefined;
      const provider = RED.nodes.getNode(config.store) as StoreProviderLike | null;
      if (!provider?.store) throw new Error('the selected authflow-store config node is missing or not deployed');
      if (provider.backend !== 'redis') throw new Error(`rate limits are shared through a Redis store (this store is ${provider.backend}); leave Store empty to count in this process`);
      // A Redis store whose configuration failed answers AUTH_011 to everything: the chosen outage policy applies.
      const runner: ScriptRunner = isScriptRunner(provider.store)
        ? provider.store
        : { evalScript: () => Promise.reject(new StoreUnavailableError('store configuration invalid')) };
      if (provider.onStatus) {
        const show = (s: StoreStatus) => {
          if (s.state === 'ready') { status.warn(undefined); status.ready('store ready'); }
          else if (failOpen) status.warn(`store down · local limits ${percent}%`);
          else status.denied(new StoreUnavailableError(s.reason ?? 'store unavailable'));
        };
        if (provider.storeStatus?.state === 'unavailable') show(provider.storeStatus);
        cleanups.push(provider.onStatus(show));
      }
      return runner;
    }

    const accept = (msg: RedMsg, result: RateLimitResult, send: (m: Array<RedMsg | null>) => void) => {
      const headers = rateLimitHeaders(result, headerOpts);
      // On the response itself: they reach the client whatever later nodes do with msg.headers.
      const res = msg.res?._res;
      if (res && !res.headersSent && Object.keys(headers).length) res.set(headers);
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
    node.on('close', (_removed, done) => {
      for (const c of cleanups.splice(0)) c();
      done();
    });
  }
  RED.nodes.registerType('authflow-rate-limit', AuthflowRateLimit);
};
