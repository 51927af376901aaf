'use strict';
const assert = require('node:assert/strict');
const { memoByValue, RECHECK_MS } = require('../../../dist/lib/util/memo');

describe('lib/memo: memoByValue', () => {
  function setup() {
    let t = 0;
    const now = () => t;
    const calls = [];
    const compile = memoByValue((...raws) => { calls.push(JSON.stringify(raws)); return calls.length; }, now);
    return { compile, calls, advance: (ms) => { t += ms; } };
  }

  it('compiles once per distinct values: strings by equality, objects by identity', () => {
    const { compile, calls } = setup();
    const rules = ['10.0.0.0/8'];
    assert.equal(compile(rules, 'x'), 1);
    assert.equal(compile(rules, 'x'), 1);
    assert.equal(compile(['10.0.0.0/8'], 'x'), 2, 'an equal but new array is a new value');
    assert.equal(compile(rules, 'y'), 3);
    assert.equal(calls.length, 3);
  });

  it('a top-level array that changes length recompiles at once', () => {
    const { compile } = setup();
    const rules = ['a'];
    compile(rules);
    rules.push('b');
    assert.equal(compile(rules), 2);
  });

  it('in-place edits that keep the length (elements, nested objects) recompile within RECHECK_MS, not before', () => {
    const { compile, advance } = setup();
    const rules = ['a', 'b'];
    const keys = { keys: [{ kid: 'k1', n: 'x' }] };
    compile(rules, keys);
    rules[1] = 'c';
    advance(RECHECK_MS - 1);
    assert.equal(compile(rules, keys), 1, 'within the window: the identity check only');
    advance(1);
    assert.equal(compile(rules, keys), 2, 'the periodic comparison sees the edit');
    advance(RECHECK_MS);
    assert.equal(compile(rules, keys), 2, 'unchanged content: no recompile');
    keys.keys[0].n = 'y';
    advance(RECHECK_MS);
    assert.equal(compile(rules, keys), 3);
    delete keys.keys[0].n;
    keys.keys[0].e = 'y';
    advance(RECHECK_MS);
    assert.equal(compile(rules, keys), 4, 'a key renamed');
  });
});
