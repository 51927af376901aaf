'use strict';
// The rate-limit node's schema: the dialog's limits rule (nodes/shared/schema-rules.ts,
// bundled for the browser) refuses exactly what the runtime (lib/limits) refuses,
// and a node saved without limits runs with the schema's default.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { rules } = require('../../dist/nodes/shared/schema-rules');
const { loadConfig, configProblems } = require('../../dist/nodes/shared/schema');
const { schema } = require('../../dist/nodes/rate-limit/authflow-rate-limit.schema');
const { compilePolicies, policiesFromWindows } = require('../../dist/lib/internal');

const runtimeAccepts = (limits) => {
  try {
    compilePolicies(policiesFromWindows(limits));
    return true;
  } catch {
    return false;
  }
};

describe('authflow-rate-limit schema', () => {
  it('the limits rule answers like lib/limits for any list (fast-check, 2000 runs)', () => {
    const row = fc.record({
      name: fc.oneof(fc.constant(''), fc.constantFrom('default', 'burst', 'a"b', 'x\\y', 'é'), fc.string({ maxLength: 70 })),
      limit: fc.oneof(fc.integer({ min: -2, max: 2e9 }), fc.constantFrom(1.5, '10', '', 'x', 1e9, 1e9 + 1)),
      window: fc.oneof(fc.integer({ min: -1, max: 400 }), fc.constantFrom(0.5, '2', '', 366, 367)),
      unit: fc.constantFrom('s', 'm', 'h', 'd', 'w', ''),
    }, { requiredKeys: ['limit', 'window'] });
    fc.assert(fc.property(fc.array(row, { maxLength: 10 }), (limits) => {
      assert.equal(rules.rateLimits(limits, () => undefined) === undefined, runtimeAccepts(limits), JSON.stringify(limits));
    }), { numRuns: 2000 });
  });

  it('duplicate names (given or derived) are refused by both', () => {
    const twice = [{ limit: 5, window: 1, unit: 'm' }, { name: 'default', limit: 9, window: 1, unit: 'h' }];
    assert.match(rules.rateLimits(twice, () => undefined), /used twice/);
    assert.equal(runtimeAccepts(twice), false);
  });

  it('a node saved without limits or other fields runs with the defaults (100 per minute per IP, headers on, fail closed)', () => {
    const c = loadConfig(schema, { id: 'n', type: 'authflow-rate-limit' });
    assert.deepEqual(c.limits, [{ name: '', limit: 100, window: 1, unit: 'm' }]);
    assert.deepEqual([c.keyBy, c.draftHeaders, c.legacyHeaders, c.quotaHeader, c.onStoreError, c.fallbackPercent, c.configVersion], ['ip', true, true, false, 'closed', 50, 1]);
    c.limits[0].limit = 1;
    assert.equal(schema.properties.limits.default[0].limit, 100, 'each config gets its own copy of the default list');
  });

  it('deploy problems: key by msg without a property, bad trusted proxies, fallback share out of range', () => {
    const problems = configProblems(schema, loadConfig(schema, { keyBy: 'msg', trustedProxies: '10.0.0.0/33', fallbackPercent: 0 }));
    assert.deepEqual(problems, [
      'key by msg property needs the property name',
      'trustedProxies: invalid IP rule "10.0.0.0/33": prefix must be 0-32',
      'fallbackPercent: must be a number from 1 to 100',
    ]);
  });
});
