/**
 * A set of CIDR rules with O(address bits) membership, one trie per family.
 *
 * Families never cross: IPv4 rules match IPv4 clients, including IPv4-mapped
 * IPv6 clients (parseAddress already turned those into IPv4). IPv6 rules match
 * only real IPv6 clients, so `::/0` means "every IPv6 client" and does NOT
 * cover IPv4; write `0.0.0.0/0` (or `::ffff:0:0/96`) for that.
 */
import { parseAddress, type ParsedAddress } from './address';
import { parseRuleList, type CidrRule } from './cidr';
import { PrefixTrie } from './prefix-trie';

export class IpSet {
  /** Number of rules given (duplicates and covered rules included). */
  readonly size: number;
  private readonly v4: PrefixTrie;
  private readonly v6: PrefixTrie;

  private constructor(rules: readonly CidrRule[]) {
    this.v4 = new PrefixTrie(4);
    this.v6 = new PrefixTrie(6);
    for (const rule of rules) (rule.family === 4 ? this.v4 : this.v6).add(rule);
    this.v4.trim();
    this.v6.trim();
    this.size = rules.length;
  }

  /** Build from rule text (see parseRuleList). Throws IpRuleError listing every bad rule. */
  static from(rules: string | readonly string[] | undefined | null): IpSet {
    return new IpSet(parseRuleList(rules));
  }

  /** Build from already parsed rules. */
  static fromRules(rules: readonly CidrRule[]): IpSet {
    return new IpSet(rules);
  }

  /** True when a rule covers the address. Unparseable text is never a member. */
  has(addr: ParsedAddress | string): boolean {
    const parsed = typeof addr === 'string' ? parseAddress(addr) : addr;
    if (!parsed) return false;
    return (parsed.family === 4 ? this.v4 : this.v6).matches(parsed);
  }

  /** Bytes held by both tries, for status text and benchmarks. */
  get byteLength(): number {
    return this.v4.byteLength + this.v6.byteLength;
  }
}
