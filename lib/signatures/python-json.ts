/**
 * Python's `json.dumps(value, sort_keys=True)` with its defaults
 * (separators `, ` and `: `, ensure_ascii=True), byte for byte: the body part
 * of Kindly's signed-request string, which the guide's Python client builds
 * that way. Two entry points:
 *  - `canonicalJsonText(text)`: the exact body text the client sent, parsed
 *    here so every number keeps its Python type (`1.0` stays a float and
 *    prints `1.0`, `12345678901234567890` stays an exact int) — what
 *    `json.loads` then `json.dumps(…, sort_keys=True)` gives;
 *  - `pythonDumpsSorted(value)`: a value already parsed by JSON.parse (a body
 *    parsed by `http in`), where that information is gone: the result is what
 *    Python prints for JSON.stringify(value), so integral numbers print as
 *    ints and a client sending `1.0` will not match.
 * Both also say whether the value is truthy in Python: the guide signs the
 * body only `if body:`, so `{}`, `[]`, `""`, `0` and `null` add nothing.
 */

export interface PythonJson {
  /** json.dumps(value, sort_keys=True) as Python prints it. */
  text: string;
  /** Python truthiness of the value (`if body:`). */
  truthy: boolean;
}

/** A JSON text that Python's json.loads would refuse, or that we refuse on purpose (duplicate members, NaN). */
export class JsonSyntaxError extends Error {}

/** Python's repr(float): shortest round-trip digits, exponent when decpt <= -4 or > 16 (format_float_short, mode 'r'). */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without digits gives the shortest digits that round-trip, closest on ties — like repr.
  const [mantissa, expText] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > 16) {
    const abs = Math.abs(exp);
    return `${sign}${digits[0]}${digits.length > 1 ? '.' + digits.slice(1) : ''}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' + abs : abs}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** A JSON string literal with ensure_ascii: only printable ASCII stays, the rest is \uXXXX (lowercase, UTF-16 units). */
export function pythonStringLiteral(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i) + escapeUnit(c);
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

const SHORT_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

function escapeUnit(c: number): string {
  return SHORT_ESCAPES[c] ?? '\\u' + c.toString(16).padStart(4, '0');
}

/** Python compares str by code point; JS sorts by UTF-16 unit (they differ above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

// ---- from a JS value (a body already parsed by JSON.parse) ----

export function pythonDumpsSorted(value: unknown, maxDepth = 64): PythonJson {
  return { text: dumpValue(value, maxDepth), truthy: jsTruthy(value) };
}

/** `depth`: nesting levels still allowed, capped like canonicalJsonText so a hostile body cannot exhaust the stack. */
function dumpValue(v: unknown, depth: number): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return pythonStringLiteral(v);
  if (typeof v === 'number') {
    // JSON.parse kept no int/float flavour. Printed as JSON.stringify would send it and Python
    // would read it back: integral values below 1e21 are ints (String gives their digits), the
    // rest floats.
    if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
    return pythonFloatRepr(v);
  }
  if (typeof v === 'object' && depth < 1) throw new JsonSyntaxError('nesting too deep');
  if (Array.isArray(v)) return v.length ? '[' + v.map((x) => dumpValue(x, depth - 1)).join(', ') + ']' : '[]';
  if (typeof v === 'object') {
    const names = Object.keys(v as object).sort(compareCodePoints);
    if (!names.length) return '{}';
    return '{' + names.map((k) => pythonStringLiteral(k) + ': ' + dumpValue((v as Record<string, unknown>)[k], depth - 1)).join(', ') + '}';
  }
  throw new JsonSyntaxError(`not a JSON value: ${typeof v}`);
}

function jsTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '' || v === 0) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

// ---- from the exact JSON text (raw body) ----

/**
 * json.loads(text) then json.dumps(…, sort_keys=True). Refuses what
 * json.loads refuses, and also NaN/Infinity literals (not JSON) and
 * duplicate member names (json.loads keeps the last; one request with two
 * meanings is refused instead). Nesting is capped so a hostile body cannot
 * exhaust the stack.
 */
export function canonicalJsonText(text: string, maxDepth = 64): PythonJson {
  const p = new Parser(text, maxDepth);
  p.ws();
  const out = p.value(0);
  p.ws();
  if (p.i !== text.length) p.fail('extra data');
  return out;
}

class Parser {
  i = 0;
  constructor(private readonly s: string, private readonly maxDepth: number) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at offset ${this.i}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.i++;
    }
  }

  value(depth: number): PythonJson {
    const c = this.s[this.i];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') {
      const v = this.string();
      return { text: pythonStringLiteral(v), truthy: v.length > 0 };
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, truthy] of [['true', true], ['false', false], ['null', false]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return { text: word, truthy };
      }
    }
    return this.fail('unexpected character');
  }

  object(depth: number): PythonJson {
    if (depth > this.maxDepth) this.fail('nesting too deep');
    this.i++;
    const members = new Map<string, string>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return { text: '{}', truthy: false };
    }
    for (;;) {
      if (this.s[this.i] !== '"') this.fail('expected a member name');
      const name = this.string();
      if (members.has(name)) this.fail('duplicate member name');
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      members.set(name, this.value(depth).text);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') break;
      if (c !== ',') this.fail("expected ',' or '}'");
      this.ws();
    }
    const names = [...members.keys()].sort(compareCodePoints);
    return { text: '{' + names.map((k) => pythonStringLiteral(k) + ': ' + members.get(k)).join(', ') + '}', truthy: true };
  }

  array(depth: number): PythonJson {
    if (depth > this.maxDepth) this.fail('nesting too deep');
    this.i++;
    const items: string[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return { text: '[]', truthy: false };
    }
    for (;;) {
      items.push(this.value(depth).text);
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') break;
      if (c !== ',') this.fail("expected ',' or ']'");
      this.ws();
    }
    return { text: '[' + items.join(', ') + ']', truthy: true };
  }

  /** RFC 8259 §6 number; ints stay exact (Python ints are unbounded), others become a float as Python's float() would. */
  number(): PythonJson {
    const m = /^-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 4400));
    if (!m) return this.fail('bad number');
    this.i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      const int = m[0] === '-0' ? '0' : m[0];
      // CPython 3.11+ refuses ints over 4300 digits (sys.int_info.default_max_str_digits).
      if (int.replace('-', '').length > 4300) this.fail('integer too long');
      return { text: int, truthy: int !== '0' };
    }
    // Both Number() and Python's float() round correctly, so they agree on the double.
    const x = Number(m[0]);
    return { text: pythonFloatRepr(x), truthy: x !== 0 };
  }

  /** A string literal per RFC 8259 §7, as json.loads(strict=True) reads it: no raw control characters. */
  string(): string {
    const s = this.s;
    this.i++;
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      out += s.slice(start, this.i);
      const e = s[this.i + 1];
      const simple = ({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e];
      if (simple !== undefined) {
        out += simple;
        this.i += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(this.i + 2, this.i + 6))) {
        // Lone surrogates are kept as code units, like Python's str.
        out += String.fromCharCode(parseInt(s.slice(this.i + 2, this.i + 6), 16));
        this.i += 6;
      } else {
        this.fail('bad escape');
      }
      start = this.i;
    }
  }
}
