import { IpAccessList } from '../../ip/access-list';
import { IpSet } from '../../ip/ip-set';
import { resolveClientIp } from '../../ip/client-ip';
import { IpNotAllowedError } from '../../errors';
import { memoByValue } from '../../util/memo';
import type { AuthCheck, CheckContext } from '../types';
import { readSource, Source } from '../source';
import { header } from '../request';
import { rejectUnknownKeys } from './options';

type Rules = string | string[];

export interface IpCheckOptions {
  type?: 'ip';
  /** Addresses/CIDRs allowed (IPv4, IPv6, `::ffff:` mapped). Missing or empty: everything not denied. */
  allow?: Source<Rules | undefined>;
  /** Addresses/CIDRs denied; deny always wins. */
  deny?: Source<Rules | undefined>;
  /**
   * Proxies whose X-Forwarded-For is believed (e.g. "127.0.0.1" behind a local
   * reverse proxy). Empty: the socket peer is the client and headers are ignored.
   */
  trustedProxies?: Rules;
}

const KEYS = ['type', 'allow', 'deny', 'trustedProxies'];

/** Allow/deny by client address, proxy-aware: lib IpAccessList + resolveClientIp. */
export function ipCheck(opts: IpCheckOptions, ctx: CheckContext): AuthCheck {
  rejectUnknownKeys(opts, KEYS, 'ip');
  if (opts.allow === undefined && opts.deny === undefined) throw new Error('ip: give "allow" and/or "deny"');
  const trusted = IpSet.from(opts.trustedProxies ?? []);
  if (trusted.has('0.0.0.0') && trusted.has('255.255.255.255')) {
    ctx.onWarning('ip: trustedProxies include 0.0.0.0/0: any client can choose its own address via X-Forwarded-For');
  }
  // Fixed rules are compiled now, so a typo stops startup (throws IpRuleError).
  const fixed = typeof opts.allow !== 'function' && typeof opts.deny !== 'function'
    ? new IpAccessList({ allow: opts.allow as Rules | undefined, deny: opts.deny as Rules | undefined })
    : undefined;
  // Rules from functions: compiled once per distinct pair of values; bad rules deny everything.
  const compile = memoByValue((allow, deny): IpAccessList | undefined => {
    try {
      return new IpAccessList({ allow: allow as Rules | undefined, deny: deny as Rules | undefined });
    } catch (e) {
      ctx.onWarning(`ip: rules from the source are invalid: ${(e as Error).message}`);
      return undefined;
    }
  });
  return {
    method: 'ip',
    async run(req, previous) {
      let list = fixed;
      if (!list) {
        const [a, d] = await Promise.all([
          readSource(opts.allow, req, ctx.sourceTimeoutMs, 'ip allow'),
          readSource(opts.deny, req, ctx.sourceTimeoutMs, 'ip deny'),
        ]);
        list = compile(a, d);
        if (!list) throw new IpNotAllowedError('ip rules from the source are invalid');
      }
      const ip = resolveClientIp(req.socket?.remoteAddress, header(req, 'x-forwarded-for'), trusted);
      list.check(ip);
      // Keeps the identity an earlier check established; adds the verified address.
      return previous ? { ...previous, ip: ip!.text } : { method: 'ip', scopes: [], ip: ip!.text };
    },
  };
}
