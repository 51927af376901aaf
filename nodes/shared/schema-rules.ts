/**
 * The validation rules of the node schemas. The runtime checks a node's
 * config with them at deploy, and the editor marks the same fields red with
 * the very same code: the build bundles this file for the browser
 * (scripts/copy-assets.js → resources/authflow-schema.js). So: no imports,
 * no Node APIs, plain ES2022.
 *
 * A rule returns undefined when the value is fine, else the problem in words.
 * `get` reads another field of the same node (the dialog's current value in
 * the editor), for rules that depend on a choice.
 */
export type RuleResult = string | undefined;
export type Rule = (value: unknown, get: (field: string) => unknown) => RuleResult;

const blank = (v: unknown) => v === undefined || v === null || v === '';
const text = (v: unknown) => (blank(v) ? '' : String(v));

function number(v: unknown, accepts: (n: number) => boolean, problem: string): RuleResult {
  if (blank(v)) return undefined;
  const s = String(v).trim();
  const n = Number(s);
  return s !== '' && accepts(n) ? undefined : problem;
}

// --- IP rules: the same answers as lib/ip parseCidr (ipaddr.js + net.isIP), proven by test/nodes/schema-rules.test.js.

// Node's net.isIPv4 / isIPv6 grammar (no leading zeros in a dotted quad).
const V4SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4 = `(?:${V4SEG}\\.){3}${V4SEG}`;
const V6SEG = '(?:[0-9a-fA-F]{1,4})';
const IPV4 = new RegExp(`^${V4}$`);
const IPV6 = new RegExp(
  '^(?:' +
    `(?:${V6SEG}:){7}(?:${V6SEG}|:)|` +
    `(?:${V6SEG}:){6}(?:${V4}|:${V6SEG}|:)|` +
    `(?:${V6SEG}:){5}(?::${V4}|(?::${V6SEG}){1,2}|:)|` +
    `(?:${V6SEG}:){4}(?:(?::${V6SEG}){0,1}:${V4}|(?::${V6SEG}){1,3}|:)|` +
    `(?:${V6SEG}:){3}(?:(?::${V6SEG}){0,2}:${V4}|(?::${V6SEG}){1,4}|:)|` +
    `(?:${V6SEG}:){2}(?:(?::${V6SEG}){0,3}:${V4}|(?::${V6SEG}){1,5}|:)|` +
    `(?:${V6SEG}:){1}(?:(?::${V6SEG}){0,4}:${V4}|(?::${V6SEG}){1,6}|:)|` +
    `(?::(?:(?::${V6SEG}){0,5}:${V4}|(?::${V6SEG}){1,7}|:))` +
    ')$',
);
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

/** The 16-bit groups of a valid IPv6 text (embedded dotted quad included). */
function v6Groups(s: string): number[] {
  const halves = s.split('::');
  const part = (h: string) => (h === '' ? [] : h.split(':')).flatMap((g) => {
    if (!g.includes('.')) return [parseInt(g, 16)];
    const b = g.split('.').map(Number);
    return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
  });
  const head = part(halves[0]);
  if (halves.length === 1) return head;
  const tail = part(halves[1]);
  return [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
}

/** "" when `addr` is an IPv4 or IPv6 address as lib/ip accepts it; else why not. Reports whether it is IPv4-mapped IPv6. */
function address(addr: string): { problem?: string; mapped?: boolean } {
  if (addr.length === 0 || addr.length > 64) return { problem: 'not an IPv4 or IPv6 address' };
  if (IPV4.test(addr)) return {};
  if (addr.includes('%')) return { problem: 'zone ids are not allowed' };
  if (!IPV6.test(addr)) return { problem: 'not an IPv4 or IPv6 address' };
  const g = v6Groups(addr);
  return { mapped: g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff };
}

/** Problem with one rule (`addr` or `addr/prefix`), worded like lib/ip parseCidr; undefined when fine. */
export function ipRuleProblem(rule: string): RuleResult {
  const t = rule.trim();
  const shown = JSON.stringify(t.length > 80 ? t.slice(0, 80) + '…' : t);
  if (t === '') return `invalid IP rule ${JSON.stringify(rule)}: empty`;
  const slash = t.indexOf('/');
  const addr = slash < 0 ? t : t.slice(0, slash);
  const a = address(addr);
  if (a.problem) return `invalid IP rule ${shown}: ${a.problem}`;
  const max = addr.includes(':') ? 128 : 32;
  const prefix = slash < 0 ? max : t.slice(slash + 1);
  if (slash >= 0 && (!PREFIX.test(prefix as string) || Number(prefix) > max)) return `invalid IP rule ${shown}: prefix must be 0-${max}`;
  if (a.mapped && addr.includes(':') && Number(prefix) < 96) {
    return `invalid IP rule ${shown}: IPv4-mapped prefix must be /96-/128 (write an IPv4 or plain IPv6 rule instead)`;
  }
  return undefined;
}

/** Every problem in a rule list (commas, newlines and spaces separate; `#` starts a comment), as lib/ip splitRules reads it. */
export function ipRuleProblems(list: string): string[] {
  const problems: string[] = [];
  for (const line of list.split(/\r?\n|\r/)) {
    const hash = line.indexOf('#');
    for (const token of (hash < 0 ? line : line.slice(0, hash)).split(/[\s,]+/)) {
      const p = token === '' ? undefined : ipRuleProblem(token);
      if (p) problems.push(p);
    }
  }
  return problems;
}

// --- Rate limits: the same answers as lib/limits compilePolicies/gcraPolicy (proven by test/nodes/schema.test.js).
const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

function rateLimitsProblem(v: unknown): RuleResult {
  if (!Array.isArray(v) || v.length === 0) return 'at least one rate limit is required';
  if (v.length > 8) return 'at most 8 rate limits per node';
  const names: Record<string, boolean> = {};
  for (let i = 0; i < v.length; i++) {
    const l = (v[i] ?? {}) as { name?: unknown; limit?: unknown; window?: unknown; unit?: unknown };
    const limit = Number(l.limit);
    const windowSec = Number(l.window) * (UNIT_SEC[String(l.unit ?? 's')] ?? NaN);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1e9) return `limit ${i + 1}: must be a whole number from 1 to 1e9`;
    if (!Number.isInteger(windowSec) || windowSec < 1 || windowSec > 366 * 86400) return `limit ${i + 1}: the window must be whole seconds from 1 to 366 days`;
    const name = l.name ? String(l.name) : i === 0 ? 'default' : `${limit}-per-${windowSec}s`;
    if (!/^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(name)) return `limit ${i + 1}: a name is 1-64 printable ASCII characters, no " or \\`;
    if (names[name]) return `rate limit name "${name}" is used twice`;
    names[name] = true;
  }
  return undefined;
}

/** The rules a schema property can name. */
export const rules = {
  /** A value is needed. */
  required: (v) => (blank(v) || (typeof v === 'string' && v.trim() === '') ? 'is required' : undefined),
  /** Goes into a quoted header parameter (realm): no ", \, CR, LF or control characters. */
  quotedText: (v) => (text(v) === '' || /["\\\u0000-\u001f\u007f]/.test(text(v)) ? 'must be set and hold no ", \\, CR, LF or control characters' : undefined),
  /** RFC 9110 §5.6.2 token: a header name. */
  headerName: (v) => (/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(text(v).trim()) ? undefined : 'must be a header name (letters, digits, !#$%&\'*+.^_`|~-)'),
  queryParam: (v) => (/^[A-Za-z0-9_.-]*$/.test(text(v)) ? undefined : 'may hold only letters, digits, "_", "." and "-"'),
  wholeOrBlank: (v) => number(v, (n) => Number.isInteger(n) && n >= 0, 'must be a whole number >= 0'),
  numberOrBlank: (v) => number(v, (n) => Number.isFinite(n) && n >= 0, 'must be a number >= 0'),
  /** Empty: the default. */
  positiveWholeOrBlank: (v) => number(v, (n) => Number.isInteger(n) && n > 0, 'must be a whole number > 0'),
  /** Store timeout: empty (the backend's default) or 50-60000 ms. */
  timeoutMs: (v) => number(v, (n) => Number.isInteger(n) && n >= 50 && n <= 60000, 'must be a whole number of milliseconds between 50 and 60000'),
  jsonObjectOrBlank: (v) => {
    if (text(v).trim() === '') return undefined;
    try {
      const o = JSON.parse(text(v));
      return o !== null && typeof o === 'object' && !Array.isArray(o) ? undefined : 'must be a JSON object';
    } catch {
      return 'is not valid JSON';
    }
  },
  /** Allow / deny / trusted-proxy lists. */
  ipRules: (v) => {
    const p = ipRuleProblems(text(v));
    return p.length === 0 ? undefined : p.length === 1 ? p[0] : `${p.length} invalid IP rules: ${p.slice(0, 10).join('; ')}`;
  },
  /** Store outage fallback share (lib/limits RateLimiter fallbackPercent): empty (50) or 1-100. */
  percentOrBlank: (v) => number(v, (n) => n >= 1 && n <= 100, 'must be a number from 1 to 100'),
  /** Rate limits (lib/limits compilePolicies + gcraPolicy): 1-8 rows, each N per window, names unique sf-strings. */
  rateLimits: (v) => rateLimitsProblem(v),
  /**
   * authflow-scope: scopes and/or roles must be given (lib/authz scopeCheck), else
   * every authenticated caller would pass. Typed in: at least one token; read
   * per request (msg/flow/global/env): a key or name.
   */
  scopesOrRoles: (_v, get) => {
    const given = (f: string) => {
      const s = text(get(f)).trim();
      return (get(`${f}Type`) || 'str') === 'str' ? s.split(/[\s,]+/).some(Boolean) : s !== '';
    };
    return given('scopes') || given('roles') ? undefined : 'give scopes and/or roles: an empty requirement would let every authenticated caller through';
  },
  /** API key prefix (lib/api-keys/format.ts checkKeyPrefix). */
  apiKeyPrefix: (v) => (/^[a-z][a-z0-9]{0,15}$/.test(text(v).trim()) ? undefined : 'must be lowercase letters and digits, starting with a letter, at most 16'),
  pgTable: (v) => (/^([A-Za-z_][A-Za-z0-9_]{0,47})?$/.test(text(v).trim()) ? undefined : 'table name must be letters, digits and "_" (at most 48), not starting with a digit'),
  /** Context keys take letters, digits and "_"; Redis prefixes anything but spaces and control characters. */
  storeKeyPrefix: (v, get) => {
    const p = text(v).trim();
    if (p === '') return undefined;
    if ((get('backend') || 'context') === 'context') {
      return /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? undefined : 'context key prefix must be letters, digits and "_", not starting with a digit';
    }
    return /[\s\u0000-\u001f]/.test(p) ? 'Redis key prefix must not contain spaces or control characters' : undefined;
  },
} satisfies Record<string, Rule>;

export type RuleName = keyof typeof rules;
