'use strict';
const assert = require('node:assert/strict');
const { LruCache } = require('../../../dist/lib/internal');

describe('lib/lru: LruCache', () => {
  it('never holds more than maxEntries; the least recently used leaves first', () => {
    const cache = new LruCache(100);
    cache.set('hot', 1);
    cache.set('cold', 2);
    for (let i = 0; i < 1000; i++) {
      cache.set(`k${i}`, i);
      if (i % 10 === 0) assert.equal(cache.get('hot'), 1);
      assert.ok(cache.size <= 100);
    }
    assert.equal(cache.get('hot'), 1, 'a key hit now and then stays');
    assert.equal(cache.get('cold'), undefined, 'a key never hit again leaves');
    assert.equal(cache.get('k999'), 999);
    assert.equal(cache.get('k899'), undefined);
  });

  it('a hit in the newest quarter does not reorder (one lookup per hit), an older one does', () => {
    const cache = new LruCache(8); // refreshed once 2 insertions old
    for (const k of ['a', 'b', 'c']) cache.set(k, k);
    cache.get('a'); // 2 insertions old: not yet refreshed
    for (const k of ['d', 'e', 'f', 'g', 'h']) cache.set(k, k);
    cache.get('a'); // now refreshed: newest
    cache.set('i', 'i'); // evicts the oldest: b
    assert.deepEqual(['a', 'b', 'c'].map((k) => cache.get(k)), ['a', undefined, 'c']);
  });

  it('entries expire after their ttl', () => {
    let t = 0;
    const cache = new LruCache(10, () => t);
    cache.set('x', 1, 100);
    cache.set('y', 2);
    t = 99;
    assert.equal(cache.get('x'), 1);
    t = 100;
    assert.equal(cache.get('x'), undefined);
    assert.equal(cache.get('y'), 2);
    assert.equal(cache.size, 1);
  });
});
