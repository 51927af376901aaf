/**
 * GCRA in Redis: one Lua script applies every policy of a request to its
 * keys atomically, on the server's clock (`TIME`), so any number of Node-RED
 * instances share one exact limit whatever their own clocks say. One round
 * trip per request: EVALSHA, and EVAL only when the server does not have the
 * script yet (a restart, a failover, SCRIPT FLUSH).
 *
 * Redis Cluster: all keys of one request carry the same hash tag `{…}` (the
 * client's digest), so they hash to one slot (Cluster spec, "hash tags") and
 * the multi-key script is allowed; different clients still spread over the
 * cluster. A store key prefix without braces keeps it that way.
 *
 * The arithmetic is lib/limits/rate-limit-gcra.ts line for line (integer µs,
 * which Lua's doubles hold exactly); test/lib/limits/rate-limit.test.js runs
 * the same vector table through both.
 */
import { createHash } from 'crypto';
import { gcra, type GcraOutcome, type GcraPolicy } from './rate-limit-gcra';
import type { RateLimitBackend, TakeResult } from './rate-limit-memory';

/** A Lua script and its SHA-1, computed once. */
export interface LuaScript {
  readonly lua: string;
  readonly sha1: string;
}

/** What a store offers to run scripts (RedisStore.evalScript): keys get the store's prefix; failures are AUTH_011. */
export interface ScriptRunner {
  evalScript(script: LuaScript, keys: string[], args: Array<string | number>): Promise<unknown>;
}

export function isScriptRunner(store: unknown): store is ScriptRunner {
  return typeof (store as Partial<ScriptRunner> | null)?.evalScript === 'function';
}

export function luaScript(lua: string): LuaScript {
  return Object.freeze({ lua, sha1: createHash('sha1').update(lua).digest('hex') });
}

// KEYS[i]: the TAT of policy i. ARGV[1]: cost; ARGV[2i], ARGV[2i+1]: T and τ of policy i (µs).
// Returns {allowed, now, then per policy: allowed, the TAT it found (≥ now)}.
// Nothing is written unless every policy allows (a refused request consumes nothing).
const GCRA_LUA = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local cost = tonumber(ARGV[1])
local out = {1, now}
local writes = {}
local all = true
for i = 1, #KEYS do
  local T = tonumber(ARGV[2 * i])
  local tau = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]))
  if tat == nil or tat < now then tat = now end
  local increment = T * cost
  local newTat = tat + increment
  local diff = now - (newTat - tau)
  local ok = diff >= 0
  if not ok then all = false end
  writes[i] = {newTat, newTat - now}
  out[#out + 1] = ok and 1 or 0
  out[#out + 1] = tat
end
if all and cost > 0 then
  for i = 1, #KEYS do
    redis.call('SET', KEYS[i], string.format('%.0f', writes[i][1]), 'PX', math.ceil(writes[i][2] / 1000))
  end
end
if not all then out[1] = 0 end
return out`;

export const GCRA_SCRIPT = luaScript(GCRA_LUA);

/** Key for policy `p` of one client: `rl:{<digest>}:<limit>/<window>` — a changed policy starts fresh. */
export function redisPolicyKey(digest: string, p: GcraPolicy): string {
  return `rl:{${digest}}:${p.limit}/${p.windowSec}`;
}

export class RedisRateLimitStore implements RateLimitBackend {
  constructor(private readonly runner: ScriptRunner) {}

  /** `key` must already be a digest (no client text reaches Redis): see rateLimitKeyDigest. */
  async take(key: string, policies: readonly GcraPolicy[], cost: number): Promise<TakeResult> {
    const keys = policies.map((p) => redisPolicyKey(key, p));
    const args: Array<string | number> = [cost];
    for (const p of policies) args.push(p.intervalUs, p.toleranceUs);
    const reply = await this.runner.evalScript(GCRA_SCRIPT, keys, args);
    return fromReply(reply, policies, cost);
  }
}

/**
 * The script returns each policy's verdict and the TAT it saw; the numbers
 * for the headers are derived here with the same gcra() (one formula, two
 * places would drift).
 */
function fromReply(reply: unknown, policies: readonly GcraPolicy[], cost: number): TakeResult {
  if (!Array.isArray(reply) || reply.length !== 2 + 2 * policies.length) throw new TypeError('rate limit script: unexpected reply');
  const allowed = Number(reply[0]) === 1;
  const nowUs = Number(reply[1]);
  const outcomes: GcraOutcome[] = policies.map((p, i) => {
    const passed = Number(reply[2 + 2 * i]) === 1;
    // A refused request consumed nothing: policies that would have allowed show their state before it (cost 0).
    return gcra(p, Number(reply[3 + 2 * i]), nowUs, allowed || !passed ? cost : 0);
  });
  return { decision: { allowed, outcomes }, nowUs };
}
