import { IpNotAllowedError, IpAccessList, IpSet, resolveClientIp, headerValues, memoByValue, AuthInfo } from '../../lib';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { createCredentialSource } from '../shared/credential-source';

interface IpConfig extends CheckNodeConfig {
  allowType?: string;
  allow?: string;
  denyType?: string;
  deny?: string;
  trustedProxies?: string;
}

/** Rules typed into the node are a plain string source; context/env sources update without redeploy. */
function ruleSource(RED: RED, node: RedNode, type: string | undefined, value: string | undefined) {
  if (!type || type === 'str') return async () => value ?? '';
  return createCredentialSource(RED, node, type, value ?? '', '');
}

/** authflow-ip: allow/deny lists of IPv4/IPv6 addresses and CIDRs, proxy-aware. */
export = function register(RED: RED) {
  function AuthflowIp(this: RedNode, config: IpConfig) {
    RED.nodes.createNode(this, config);
    const node = this;
    initCheckNode(node, config, {
      method: 'ip',
      setup(status) {
        // Invalid rules typed into the node are refused here, at deploy.
        const trusted = IpSet.from(config.trustedProxies ?? '');
        if (trusted.has('0.0.0.0') && trusted.has('255.255.255.255')) {
          node.warn('trusted proxies include 0.0.0.0/0: any client can choose its own address via X-Forwarded-For');
        }
        const allow = ruleSource(RED, node, config.allowType, config.allow);
        const deny = ruleSource(RED, node, config.denyType, config.deny);
        // Compiled once per distinct pair of rule values (a prefix trie each).
        const compile = memoByValue((pair): IpAccessList | Error => {
          const [a, d] = pair as [unknown, unknown];
          try {
            return new IpAccessList({ allow: a as string | string[], deny: d as string | string[] });
          } catch (e) {
            node.warn(`ip rules: ${(e as Error).message}`);
            return e as Error;
          }
        });
        if (!config.allowType || config.allowType === 'str') {
          if (!config.denyType || config.denyType === 'str') new IpAccessList({ allow: config.allow, deny: config.deny });
        }
        let lastPair: [unknown, unknown] = [undefined, undefined];
        status.ready(`${trusted.size ? 'proxy-aware' : 'socket peer'}`);
        return async (msg) => {
          const [a, d] = await Promise.all([allow(msg), deny(msg)]);
          // Same values as last time → same array, so the memo hits.
          if (lastPair[0] !== a || lastPair[1] !== d) lastPair = [a, d];
          const list = compile(lastPair);
          // Rules from context that do not parse deny everything (fail closed).
          if (list instanceof Error) throw new IpNotAllowedError('ip rules in context are invalid');
          const ip = resolveClientIp(msg.req?.socket?.remoteAddress, headerValues(msg.req?.rawHeaders, 'x-forwarded-for'), trusted);
          list.check(ip);
          const previous = msg.auth as AuthInfo | undefined;
          // Keeps the identity an earlier check established; adds the verified address.
          return previous ? { ...previous, ip: ip!.text } : { method: 'ip', scopes: [], ip: ip!.text };
        };
      },
    });
  }
  RED.nodes.registerType('authflow-ip', AuthflowIp);
};
