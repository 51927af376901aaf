import { ipCheck as ip } from '../../ip/check';
import type { AuthCheck, CheckContext } from '../types';
import { listSource, Source } from '../source';
import { rejectUnknownKeys } from './options';
import { adaptCheck } from './adapt';

type Rules = string | string[];

export interface IpCheckOptions {
  type?: 'ip';
  /**
   * Addresses/CIDRs allowed (IPv4, IPv6, `::ffff:` mapped). A value left out or
   * empty: everything not denied. From a function: the list is who may pass —
   * empty lets nobody in (403 AUTH_005), undefined/null (e.g. an unset env
   * var) fails closed with 503 AUTH_011.
   */
  allow?: Source<Rules | undefined>;
  /** Addresses/CIDRs denied; deny always wins. From a function, undefined/null fails closed (503 AUTH_011). */
  deny?: Source<Rules | undefined>;
  /**
   * Proxies whose X-Forwarded-For is believed (e.g. "127.0.0.1" behind a local
   * reverse proxy). Empty: the socket peer is the client and headers are ignored.
   */
  trustedProxies?: Rules;
}

const KEYS = ['type', 'allow', 'deny', 'trustedProxies'];

/** Allow/deny by client address, proxy-aware: lib/ip/check.ts behind the middleware contract. */
export function ipCheck(opts: IpCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'ip');
  if (opts.allow === undefined && opts.deny === undefined) throw new Error('ip: give "allow" and/or "deny"');
  return adaptCheck(ip({
    allow: opts.allow === undefined ? undefined : listSource(opts.allow, ctx.sourceTimeoutMs, 'ip allow'),
    deny: opts.deny === undefined ? undefined : listSource(opts.deny, ctx.sourceTimeoutMs, 'ip deny'),
    trustedProxies: opts.trustedProxies,
  }, (m) => ctx.onWarning(`ip: ${m}`)));
}
