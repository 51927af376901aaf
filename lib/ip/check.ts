import type { AuthInfo } from '../auth-info';
import { IpNotAllowedError, couldNotCheck } from '../errors';
import { Maybe, then } from '../util/maybe';
import { memoByValue } from '../util/memo';
import { Check, FixedList, ListSource, isLive, readList } from '../checks/check';
import { CheckRequest, headerLines } from '../checks/request';
import { IpAccessList } from './access-list';
import { IpSet } from './ip-set';
import { resolveClientIp } from './client-ip';

type Rules = string | readonly string[];

export interface IpCheckSources<R> {
  /**
   * Addresses/CIDRs allowed. Typed in (fixed): empty or missing means
   * "everyone not denied". Read per request: the list IS who may pass, so an
   * empty one lets nobody in (403) and a missing one cannot be checked (503).
   */
  allow?: ListSource<R>;
  /** Addresses/CIDRs denied; deny always wins. Read per request: empty denies nobody, missing is 503. */
  deny?: ListSource<R>;
  /** Proxies whose X-Forwarded-For is believed; empty: the socket peer is the client. */
  trustedProxies?: Rules;
}

/**
 * Allow/deny by client address, proxy-aware: the one ip check of the ip node
 * and the `ipAllowlist` middleware. Fixed rules compile now (a typo throws
 * IpRuleError at deploy/startup); rules read per request compile once per
 * distinct value, and rules that do not parse are a configuration error:
 * 503 AUTH_011 for every request, reported once through `warn`.
 */
export function ipCheck<R extends CheckRequest>(sources: IpCheckSources<R>, warn: (message: string) => void = () => undefined): Check<R> {
  const trusted = IpSet.from(sources.trustedProxies ?? []);
  if (trusted.has('0.0.0.0') && trusted.has('255.255.255.255')) {
    warn('trusted proxies include 0.0.0.0/0: any client can choose its own address via X-Forwarded-For');
  }
  const rules = ruleReader(sources, warn);
  const liveAllow = isLive(sources.allow) ? sources.allow.what : undefined;
  return {
    method: 'ip',
    challenge: () => ({}),
    run(req) {
      return then(rules(req), (list): AuthInfo => {
        const ip = resolveClientIp(req.peer, headerLines(req, 'x-forwarded-for'), trusted);
        list.check(ip);
        if (liveAllow !== undefined && list.allow.size === 0) throw new IpNotAllowedError(`allow list from ${liveAllow} is empty: nobody is allowed`);
        // Keeps the identity an earlier check established; adds the verified address.
        return req.previous ? { ...req.previous, ip: ip!.text } : { method: 'ip', scopes: [], ip: ip!.text };
      });
    },
  };
}

function ruleReader<R>(sources: IpCheckSources<R>, warn: (message: string) => void): (req: R) => Maybe<IpAccessList> {
  const { allow, deny } = sources;
  if (!isLive(allow) && !isLive(deny)) {
    const fixed = new IpAccessList({ allow: (allow as FixedList | undefined)?.fixed as Rules | undefined, deny: (deny as FixedList | undefined)?.fixed as Rules | undefined });
    return () => fixed;
  }
  const compile = memoByValue((a, d): IpAccessList | Error => {
    try {
      return new IpAccessList({ allow: a as Rules | undefined, deny: d as Rules | undefined });
    } catch (e) {
      warn(`ip rules: ${(e as Error).message}`);
      return e as Error;
    }
  });
  const current = (a: unknown, d: unknown): IpAccessList => {
    const list = compile(a, d);
    if (list instanceof Error) throw couldNotCheck('ip rules from the source are invalid');
    return list;
  };
  const read = (source: ListSource<R> | undefined, req: R): Maybe<unknown> => (source === undefined ? undefined : readList(source, req));
  return (req) => {
    const a = read(allow, req);
    let d: Maybe<unknown>;
    try {
      d = read(deny, req);
    } catch (e) {
      if (a instanceof Promise) a.catch(() => undefined); // answered by the throw: no unhandled rejection
      throw e;
    }
    return a instanceof Promise || d instanceof Promise ? Promise.all([a, d]).then(([x, y]) => current(x, y)) : current(a, d);
  };
}
