/**
 * Allow / deny decision for one client address. Deny is checked first so an
 * overlapping allow rule can never re-open a denied range (I5).
 */
import { IpNotAllowedError } from '../errors';
import type { ParsedAddress } from './address';
import { IpRuleError } from './cidr';
import { IpSet } from './ip-set';

export interface IpAccessListOptions {
  /** Rules to allow; empty or missing means "everything not denied". */
  allow?: string | readonly string[];
  /** Rules to deny; always wins over allow. */
  deny?: string | readonly string[];
}

export class IpAccessList {
  readonly allow: IpSet;
  readonly deny: IpSet;

  /** Throws IpRuleError naming every invalid rule in both lists (shown at deploy). */
  constructor(opts: IpAccessListOptions = {}) {
    const problems: string[] = [];
    const build = (rules: string | readonly string[] | undefined, label: string): IpSet => {
      try {
        return IpSet.from(rules);
      } catch (err) {
        const list = err instanceof IpRuleError ? err.problems : [(err as Error).message];
        for (const p of list) problems.push(`${label}: ${p}`);
        return IpSet.from([]);
      }
    };
    this.allow = build(opts.allow, 'allow list');
    this.deny = build(opts.deny, 'deny list');
    if (problems.length > 0) throw new IpRuleError(problems);
  }

  /** Returns when the address may pass; throws IpNotAllowedError (AUTH_005) otherwise. */
  check(addr: ParsedAddress | undefined): void {
    const reason = this.refusal(addr);
    if (reason !== undefined) throw new IpNotAllowedError(reason);
  }

  /** Boolean form of check() for callers that do not want exceptions. */
  isAllowed(addr: ParsedAddress | undefined): boolean {
    return this.refusal(addr) === undefined;
  }

  // One decision, two shapes: the reason goes to audit/status, never the client.
  private refusal(addr: ParsedAddress | undefined): string | undefined {
    // No address (unparseable peer, garbage forwarded header): fail closed.
    if (!addr) return 'client IP could not be determined';
    if (this.deny.has(addr)) return `ip ${addr.text} matches deny list`;
    if (this.allow.size > 0 && !this.allow.has(addr)) return `ip ${addr.text} is not in allow list`;
    return undefined;
  }
}
