import { assertSupportedNode } from '../shared/supported-node';
import { IpNotAllowedError, IpAccessList, IpSet, resolveClientIp, headerValues, memoByValue, AuthInfo, Maybe, then } from '../../lib/internal';
import type { RED, RedNode, RedMsg } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { createCredentialSource } from '../shared/credential-source';

interface IpConfig extends CheckNodeConfig {
  allowType?: string;
  allow?: string;
  denyType?: string;
  deny?: string;
  trustedProxies?: string;
}

const typedIn = (type: string | undefined) => !type || type === 'str';

/**
 * Rules read per request from context/env/msg (updated without redeploy),
 * compiled once per distinct pair of values (a prefix trie each).
 */
function liveRules(RED: RED, node: RedNode, config: IpConfig): (msg: RedMsg) => Maybe<IpAccessList> {
  const source = (type: string | undefined, value: string | undefined) =>
    typedIn(type) ? () => value ?? '' : createCredentialSource(RED, node, type!, value ?? '', '');
  const allow = source(config.allowType, config.allow);
  const deny = source(config.denyType, config.deny);
  const compile = memoByValue((a, d): IpAccessList | Error => {
    try {
      return new IpAccessList({ allow: a as string | string[], deny: d as string | string[] });
    } catch (e) {
      node.warn(`ip rules: ${(e as Error).message}`);
      return e as Error;
    }
  });
  const current = (a: unknown, d: unknown): IpAccessList => {
    const list = compile(a, d);
    // Rules from context that do not parse deny everything (fail closed).
    if (list instanceof Error) throw new IpNotAllowedError('ip rules in context are invalid');
    return list;
  };
  return (msg) => {
    const a = allow(msg);
    let d: Maybe<unknown>;
    try {
      d = deny(msg);
    } catch (e) {
      if (a instanceof Promise) a.catch(() => undefined); // answered by the throw: no unhandled rejection
      throw e;
    }
    return a instanceof Promise || d instanceof Promise ? Promise.all([a, d]).then(([x, y]) => current(x, y)) : current(a, d);
  };
}

/** authflow-ip: allow/deny lists of IPv4/IPv6 addresses and CIDRs, proxy-aware. */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowIp(this: RedNode, config: IpConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    initCheckNode(node, config, {
      method: 'ip',
      setup(status) {
        // Invalid trusted proxies are refused here, at deploy.
        const trusted = IpSet.from(config.trustedProxies ?? '');
        if (trusted.has('0.0.0.0') && trusted.has('255.255.255.255')) {
          node.warn('trusted proxies include 0.0.0.0/0: any client can choose its own address via X-Forwarded-For');
        }
        // Rules typed into the node are compiled once, here: invalid ones are refused at deploy.
        const fixed = typedIn(config.allowType) && typedIn(config.denyType)
          ? new IpAccessList({ allow: config.allow ?? '', deny: config.deny ?? '' })
          : undefined;
        const rules = fixed ? () => fixed : liveRules(RED, node, config);
        status.ready(`${trusted.size ? 'proxy-aware' : 'socket peer'}`);
        return (msg) => then(rules(msg), (list): AuthInfo => {
          const ip = resolveClientIp(msg.req?.socket?.remoteAddress, headerValues(msg.req?.rawHeaders, 'x-forwarded-for'), trusted);
          list.check(ip);
          const previous = msg.auth as AuthInfo | undefined;
          // Keeps the identity an earlier check established; adds the verified address.
          return previous ? { ...previous, ip: ip!.text } : { method: 'ip', scopes: [], ip: ip!.text };
        });
      },
    });
  }
  RED.nodes.registerType('authflow-ip', AuthflowIp);
};
