'use strict';
const assert = require('node:assert/strict');
const { snapshotOf, snapshotMatches } = require('../../../dist/lib/util/snapshot');

describe('lib/snapshot: in-place edits of JSON-like values', () => {
  const unchanged = (value, depth, edit) => {
    const s = snapshotOf(value, depth);
    assert.equal(snapshotMatches(s, value, depth), true, 'an untouched value matches');
    edit(value);
    return snapshotMatches(s, value, depth);
  };

  it('sees edited fields, added or removed keys, array elements and lengths, Date times', () => {
    assert.equal(unchanged({ a: 1 }, 2, (v) => { v.a = 2; }), false);
    assert.equal(unchanged({ a: 1 }, 2, (v) => { v.b = 1; }), false);
    assert.equal(unchanged({ a: 1, b: 2 }, 2, (v) => { delete v.b; }), false);
    assert.equal(unchanged({ s: ['x'] }, 2, (v) => { v.s[0] = 'y'; }), false);
    assert.equal(unchanged({ s: ['x'] }, 2, (v) => { v.s.push('y'); }), false);
    assert.equal(unchanged({ d: new Date(0) }, 2, (v) => { v.d.setTime(1); }), false);
    assert.equal(unchanged(['a', 'b'], 1, (v) => { v[1] = 'c'; }), false);
    assert.equal(unchanged('text', 2, () => {}), true);
    assert.equal(snapshotMatches(snapshotOf('text', 2), 'other', 2), false);
  });

  it('below the depth, an object counts by identity: a deeper edit is not seen, a replacement is', () => {
    assert.equal(unchanged({ p: { q: 1 } }, 1, (v) => { v.p.q = 2; }), true);
    assert.equal(unchanged({ p: { q: 1 } }, 1, (v) => { v.p = { q: 1 }; }), false);
    assert.equal(unchanged({ p: { q: 1 } }, 2, (v) => { v.p.q = 2; }), false);
  });

  it('a replaced container with equal content does not match (identity is part of the record)', () => {
    const v = { s: ['x'] };
    assert.equal(snapshotMatches(snapshotOf(v, 2), { s: ['x'] }, 2), false);
  });
});
