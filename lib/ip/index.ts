// Public surface of the IP module: parsing, rule sets, client IP, allow/deny.
export { parseAddress, formatBytes, type ParsedAddress } from './address';
export { parseCidr, parseRuleList, splitRules, formatCidr, IpRuleError, type CidrRule } from './cidr';
export { PrefixTrie } from './prefix-trie';
export { IpSet } from './ip-set';
export { resolveClientIp } from './client-ip';
export { IpAccessList, type IpAccessListOptions } from './access-list';
