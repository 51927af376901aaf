import type { AuthCheck, CheckContext } from '../types';
import { basicCheck, BasicCheckOptions } from './basic';
import { tokenCheck, TokenCheckOptions } from './token';
import { bearerCheck, BearerCheckOptions } from './bearer';
import { ipCheck, IpCheckOptions } from './ip';
import { rateLimitCheck, RateLimitOptions } from './rate-limit';
import { requireScopeCheck, ScopeCheckOptions } from './scope';
import { apiKeysCheck, ApiKeysCheckOptions } from './api-keys';

export type { BasicCheckOptions, TokenCheckOptions, BearerCheckOptions, IpCheckOptions, RateLimitOptions, ScopeCheckOptions, ApiKeysCheckOptions };

/** One entry of `checks`: a declarative spec (`{ type: 'basic', … }`) or a ready AuthCheck. */
export type CheckSpec =
  | (BasicCheckOptions & { type: 'basic' })
  | (TokenCheckOptions & { type: 'token' })
  | (BearerCheckOptions & { type: 'bearer' })
  | (IpCheckOptions & { type: 'ip' })
  | (RateLimitOptions & { type: 'rate-limit' })
  | (ScopeCheckOptions & { type: 'scope' })
  | (ApiKeysCheckOptions & { type: 'api-keys' })
  | AuthCheck;

const BUILDERS: Record<string, (spec: never, ctx: CheckContext) => AuthCheck> = {
  basic: basicCheck, token: tokenCheck, bearer: bearerCheck, ip: ipCheck, 'rate-limit': rateLimitCheck, scope: requireScopeCheck, 'api-keys': apiKeysCheck,
};

export function buildCheck(spec: CheckSpec, ctx: CheckContext): AuthCheck {
  if (!spec || typeof spec !== 'object') throw new Error('checks: each check must be an object');
  if (typeof (spec as AuthCheck).run === 'function') return spec as AuthCheck;
  const type = (spec as { type?: unknown }).type;
  const builder = typeof type === 'string' && Object.prototype.hasOwnProperty.call(BUILDERS, type) ? BUILDERS[type] : undefined;
  if (!builder) throw new Error(`checks: unknown type ${JSON.stringify(type)} (expected ${Object.keys(BUILDERS).join(', ')})`);
  return builder(spec as never, ctx);
}
