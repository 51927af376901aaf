/**
 * CIDR rule parsing for allow / deny / trusted-proxy lists. Strict on input
 * (a typo must fail at deploy, not silently widen a list) and lenient only
 * where the meaning is unambiguous (host bits set, compressed vs expanded v6).
 */
import { parseAddress, formatBytes } from './address';

export interface CidrRule {
  readonly family: 4 | 6;
  /** Network bytes with host bits cleared (4 or 16 bytes). */
  readonly bytes: Uint8Array;
  /** 0-32 for IPv4, 0-128 for IPv6. */
  readonly prefix: number;
}

/** Thrown by parseRuleList: one message for the editor, plus each problem. */
export class IpRuleError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(summarise(problems));
    this.name = 'IpRuleError';
    this.problems = problems;
  }
}

// Decimal without leading zeros: `/08` is rejected like `010.0.0.1` is.
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;
const MAX_SHOWN = 10;

function describe(rule: string): string {
  // JSON quoting escapes control characters; truncation keeps messages small.
  return JSON.stringify(rule.length > 80 ? rule.slice(0, 80) + '…' : rule);
}

function fail(rule: string, why: string): never {
  throw new Error(`invalid IP rule ${describe(rule)}: ${why}`);
}

/**
 * Parse `addr` or `addr/prefix`. A bare address is a host rule (/32, /128).
 * `::ffff:a.b.c.d/N` (N >= 96) becomes the IPv4 rule a.b.c.d/(N-96) so that
 * mapped configuration entries match IPv4 clients and never widen to ::/0.
 */
export function parseCidr(rule: string): CidrRule {
  if (typeof rule !== 'string') fail(String(rule), 'not a string');
  const text = rule.trim();
  if (text === '') fail(rule, 'empty');

  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);

  const addr = parseAddress(addrText);
  if (!addr) {
    fail(text, addrText.includes('%') ? 'zone ids are not allowed' : 'not an IPv4 or IPv6 address');
  }

  // The prefix is read in the notation the user wrote: IPv6 text means 0-128
  // even when the address turned out to be IPv4-mapped.
  const v6Notation = addrText.includes(':');
  const maxPrefix = v6Notation ? 128 : 32;
  let prefix = maxPrefix;
  if (prefixText !== undefined) {
    if (!PREFIX.test(prefixText) || Number(prefixText) > maxPrefix) {
      fail(text, `prefix must be 0-${maxPrefix}`);
    }
    prefix = Number(prefixText);
  }

  if (v6Notation && addr.family === 4) {
    if (prefix < 96) {
      fail(text, 'IPv4-mapped prefix must be /96-/128 (write an IPv4 or plain IPv6 rule instead)');
    }
    prefix -= 96;
  }

  return { family: addr.family, bytes: maskBytes(addr.bytes, prefix), prefix };
}

/** Copy of bytes with every bit after `prefix` cleared. */
function maskBytes(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = prefix - i * 8;
    if (keep >= 8) continue;
    out[i] = keep <= 0 ? 0 : out[i] & (0xff << (8 - keep));
  }
  return out;
}

/** `10.0.0.0/8`, `2001:db8::/32` — for status text and messages. */
export function formatCidr(rule: CidrRule): string {
  return `${formatBytes(rule.family, rule.bytes)}/${rule.prefix}`;
}

/** Split a rule list: commas, newlines and whitespace separate; `#` starts a comment. */
export function splitRules(text: string | readonly string[] | undefined | null): string[] {
  if (text === undefined || text === null) return [];
  const chunks = typeof text === 'string' ? [text] : text;
  const out: string[] = [];
  for (const chunk of chunks) {
    if (typeof chunk !== 'string') {
      out.push(String(chunk)); // let parseCidr report it with the others
      continue;
    }
    for (const line of chunk.split(/\r?\n|\r/)) {
      const hash = line.indexOf('#');
      const body = hash < 0 ? line : line.slice(0, hash);
      for (const token of body.split(/[\s,]+/)) if (token !== '') out.push(token);
    }
  }
  return out;
}

/**
 * Parse a whole list, collecting every bad entry so the author fixes them in
 * one deploy instead of one per round trip. Throws IpRuleError.
 */
export function parseRuleList(text: string | readonly string[] | undefined | null): CidrRule[] {
  const rules: CidrRule[] = [];
  const problems: string[] = [];
  for (const token of splitRules(text)) {
    try {
      rules.push(parseCidr(token));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw new IpRuleError(problems);
  return rules;
}

function summarise(problems: string[]): string {
  if (problems.length === 1) return problems[0];
  const shown = problems.slice(0, MAX_SHOWN).join('; ');
  const more = problems.length > MAX_SHOWN ? `; … and ${problems.length - MAX_SHOWN} more` : '';
  return `${problems.length} invalid IP rules: ${shown}${more}`;
}
