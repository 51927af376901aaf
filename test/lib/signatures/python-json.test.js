'use strict';
// The JS port of Python's json.dumps(value, sort_keys=True) against real
// python3 output, on values fast-check generates (Kindly's signed string
// depends on every byte of it).
const assert = require('assert');
const { execFileSync } = require('child_process');
const fc = require('fast-check');
const { canonicalJsonText, pythonDumpsSorted, pythonFloatRepr, JsonSyntaxError } = require('../../../dist/lib/signatures');

/** Runs `expr` (a Python expression over `x`, the parsed line) for each input line in ONE python3 process. */
function python(expr, inputs) {
  const script = `import json, sys\nfor line in sys.stdin:\n    x = json.loads(line)\n    try:\n        r = ${expr}\n    except Exception as e:\n        r = {'error': type(e).__name__}\n    print(json.dumps(r))\n`;
  const out = execFileSync('python3', ['-c', script], { input: inputs.map((i) => JSON.stringify(i)).join('\n') + '\n', maxBuffer: 64 << 20 });
  return out.toString().trim().split('\n').map((l) => JSON.parse(l));
}

/** Samples of an arbitrary, deterministic per run (seeded), so a failure reproduces. */
const sample = (arb, n, seed = 14) => fc.sample(arb, { numRuns: n, seed });

// Number lexemes as clients write them: ints of any size, Python floats (1.0, 1e+16), JS forms, edge values.
const doubles = fc.double({ noNaN: true, noDefaultInfinity: true });
const numberLexeme = fc.oneof(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.integer().map(String),
  doubles.map((d) => String(d)),
  doubles.map((d) => d.toExponential()),
  doubles.map((d) => pythonFloatRepr(d).replace(/^(-?)(\d+)$/, '$1$2.0')),
  fc.integer({ min: -1e6, max: 1e6 }).map((i) => `${i}.0`),
  fc.constantFrom('-0', '0', '-0.0', '0.0', '1e400', '-1e400', '1e-400', '-1e-400', '5e-324', '1.7976931348623157e308', '1E5', '1e+16', '1e16', '123456789012345678901234567890', '0.0001', '0.00001'),
);
const jsonString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', '"', '\\', '/', '\u007f', '\u0000', '\ud83d\ude00', '\ue000', '\uffff', 'é'),
).map((s) => JSON.stringify(s).replace(/\//g, (m) => (Math.random() < 0.5 ? '\\/' : m)));
const ws = fc.constantFrom('', ' ', '\n', '\t ', '\r\n');
const jsonText = fc.letrec((tie) => ({
  value: fc.oneof({ maxDepth: 4 }, numberLexeme, jsonString, fc.constantFrom('true', 'false', 'null'), tie('array'), tie('object')),
  array: fc.array(fc.tuple(ws, tie('value'), ws), { maxLength: 4 }).map((items) => `[${items.map((t) => t.join('')).join(',')}]`),
  object: fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), tie('value')), { maxLength: 5, selector: (t) => t[0] })
    .map((members) => `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(', ')}}`),
})).value;

describe('signatures: Python json.dumps(sort_keys=True) port, against python3', function () {
  this.timeout(60000);

  it('pythonFloatRepr equals repr(float) for 3000 doubles (subnormals, exponent edges, -0.0)', () => {
    const values = [...sample(doubles, 3000), 1e16, 1e15, 0.0001, 0.00001, 1e-5, 123456789.123, 5e-324, -0, 0.1 + 0.2, 1e22, 2 ** 53];
    const expected = python('repr(float(x))', values.map((v) => (Object.is(v, -0) ? '-0.0' : String(v))));
    values.forEach((v, i) => assert.strictEqual(pythonFloatRepr(v), expected[i], `repr(${v})`));
  });

  it('canonicalJsonText(text) equals json.dumps(json.loads(text), sort_keys=True) for 1500 generated JSON texts', () => {
    const texts = sample(jsonText, 1500);
    const expected = python('[json.dumps(json.loads(x), sort_keys=True), bool(json.loads(x))]', texts);
    texts.forEach((t, i) => {
      assert.ok(!expected[i].error, `python refused ${t}`);
      const got = canonicalJsonText(t);
      assert.strictEqual(got.text, expected[i][0], `text: ${t}`);
      assert.strictEqual(got.truthy, expected[i][1], `truthiness of ${t}`);
    });
  });

  it('what a Python client sends (json.dumps, unsorted) canonicalises to what it signed (sort_keys=True)', () => {
    const texts = sample(jsonText, 500, 41);
    const pairs = python('[json.dumps(json.loads(x)), json.dumps(json.loads(x), sort_keys=True)]', texts);
    for (const [sent, signed] of pairs) {
      // json.dumps writes an overflowed float as `Infinity`, which is not JSON: refused (400), never guessed.
      if (/Infinity/.test(sent.replace(/"(?:[^"\\]|\\.)*"/g, ''))) assert.throws(() => canonicalJsonText(sent), JsonSyntaxError);
      else assert.strictEqual(canonicalJsonText(sent).text, signed, sent);
    }
  });

  it('pythonDumpsSorted(value) equals Python\'s dump of JSON.stringify(value), for 1500 fc.jsonValue() values', () => {
    const values = sample(fc.jsonValue({ maxDepth: 4 }), 1500);
    const expected = python('[json.dumps(json.loads(x), sort_keys=True), bool(json.loads(x))]', values.map((v) => JSON.stringify(v)));
    values.forEach((v, i) => {
      const got = pythonDumpsSorted(v);
      assert.strictEqual(got.text, expected[i][0], JSON.stringify(v));
      assert.strictEqual(got.truthy, expected[i][1]);
    });
  });

  it('keys sort by code point like Python (U+FFFF after U+10000 in UTF-16 order, not in Python\'s)', () => {
    const v = { '\ue000': 1, '\ud83d\ude00': 2, a: 3 };
    const [expected] = python('json.dumps(json.loads(x), sort_keys=True)', [JSON.stringify(v)]);
    assert.strictEqual(pythonDumpsSorted(v).text, expected);
    assert.strictEqual(expected, '{"a": 3, "\\ue000": 1, "\\ud83d\\ude00": 2}');
  });

  it('refuses what json.loads refuses, plus NaN/Infinity literals and duplicate members', () => {
    const bad = ['', '{', '[1,]', '{"a":1,}', "{'a':1}", '01', '1.', '.5', '"\u0001"', '"\\x"', '[1] x', 'NaN', 'Infinity', '{"a":1,"a":2}', '['.repeat(100) + ']'.repeat(100)];
    for (const t of bad) assert.throws(() => canonicalJsonText(t), JsonSyntaxError, t);
  });
});
