import { assertSupportedNode } from '../shared/supported-node';
import { ipCheck, ListSource, splitRules } from '../../lib/internal';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { MsgRequest, nodeListSource } from '../shared/msg-request';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-ip.schema';

interface IpConfig extends CheckNodeConfig {
  allowType?: string;
  allow?: string;
  denyType?: string;
  deny?: string;
  trustedProxies?: string;
}

/**
 * Rules typed into the node are fixed (compiled once at deploy: an empty
 * allow list means "everyone not denied"); rules from flow/global context or
 * env are read per request and fail closed when missing (lib/ip/check.ts).
 */
function rules(RED: RED, node: RedNode, type: string | undefined, value: string | undefined, what: string): ListSource<MsgRequest> {
  return !type || type === 'str' ? { fixed: value ?? '' } : nodeListSource(RED, node, type, value ?? '', '', what);
}

/** authflow-ip: allow/deny lists of IPv4/IPv6 addresses and CIDRs, proxy-aware. */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowIp(this: RedNode, config: IpConfig) {
    RED.nodes.createNode(this, config);
    config = loadConfig(schema, config); // migrated, defaults filled
    const node = this;
    initCheckNode(node, config, {
      method: 'ip',
      setup(status) {
        // Invalid typed rules and trusted proxies are refused here, at deploy, by the rules the editor checks with.
        assertConfig(schema, config);
        const check = ipCheck({
          allow: rules(RED, node, config.allowType, config.allow, 'allow list'),
          deny: rules(RED, node, config.denyType, config.deny, 'deny list'),
          trustedProxies: config.trustedProxies ?? '',
        }, (text) => node.warn(text));
        status.ready(splitRules(config.trustedProxies).length ? 'proxy-aware' : 'socket peer');
        return check;
      },
    });
  }
  RED.nodes.registerType('authflow-ip', AuthflowIp);
};
