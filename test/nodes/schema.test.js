'use strict';
// The node schemas (nodes/*/*.schema.ts): property names Node-RED's editor
// does not reserve (read from the installed editors, 4.1 and 5), editor
// defaults and credentials built from them, migrations of older flows, one
// IP-rule validator that answers exactly like lib/ip, help defaults filled.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const fc = require('fast-check');
const { loadConfig, configProblems, savedVersion } = require('../../dist/nodes/shared/schema');
const { ipRuleProblem, ipRuleProblems, rules } = require('../../dist/nodes/shared/schema-rules');
const { parseCidr, LOCKOUT_DEFAULTS } = require('../../dist/lib/internal');
const { load, start, stop, protectedRoute } = require('../support/flow-harness');

const root = path.join(__dirname, '../..');
const pkg = require('../../package.json');
const types = Object.keys(pkg['node-red'].nodes);
const schemaFile = (type) => path.join(root, 'dist', path.dirname(pkg['node-red'].nodes[type]).replace(/^dist\//, ''), `${type}.schema.js`);
const schemas = Object.fromEntries(types.filter((t) => fs.existsSync(schemaFile(t))).map((t) => [t, require(schemaFile(t)).schema]));
const withSchema = Object.keys(schemas);

/** The `internalProperties` list of an installed editor, read from its source. */
function internalProperties(pkgName) {
  const editor = require.resolve('@node-red/editor-client/package.json', { paths: [path.dirname(require.resolve(`${pkgName}/package.json`))] });
  const src = fs.readFileSync(path.join(path.dirname(editor), 'public/red/red.js'), 'utf8');
  const m = /const internalProperties = \[([\s\S]*?)\];/.exec(src);
  assert.ok(m, `${pkgName}: internalProperties not found in the editor source`);
  const names = [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]);
  assert.ok(names.includes('users') && names.includes('wires'), `${pkgName}: the list looks wrong: ${names}`);
  return names;
}

describe('node schemas', function () {
  it('every registered node type has a schema whose type, version and migrations agree', () => {
    for (const type of types) {
      const s = schemas[type];
      assert.ok(s, `${type} has no schema (${path.relative(root, schemaFile(type))})`);
      assert.equal(s.type, type);
      assert.ok(Number.isInteger(s.version) && s.version >= 1, type);
      assert.equal(s.migrations.length, s.version, `${type}: one migration per version step`);
    }
  });

  for (const red of ['node-red', 'node-red-5']) {
    it(`no property or credential name is one the ${red} editor reserves (its internalProperties)`, () => {
      const reserved = internalProperties(red);
      for (const type of withSchema) {
        const names = [...Object.keys(schemas[type].properties), ...Object.keys(schemas[type].credentials ?? {}), 'configVersion'];
        const clash = names.filter((n) => reserved.includes(n) || n.startsWith('_'));
        assert.deepEqual(clash, [], `${type} uses reserved names`);
      }
    });
  }

  it('every node HTML takes its defaults and credentials from the schema, with no property of its own', () => {
    for (const type of withSchema) {
      const html = fs.readFileSync(path.join(root, 'nodes', path.dirname(pkg['node-red'].nodes[type]).replace(/^dist\/nodes\//, ''), `${type}.html`), 'utf8');
      assert.match(html, new RegExp(`defaults: AuthflowEditor\\.defaults\\('${type}'\\)`), type);
      if (schemas[type].credentials) assert.match(html, new RegExp(`credentials: AuthflowSchema\\.schemas\\['${type}'\\]\\.credentials`), type);
      assert.match(html, /authflow-schema\.js/, `${type} loads the schema bundle`);
      // Dialog inputs name only schema fields (or the schema's credentials).
      const known = new Set([...Object.keys(schemas[type].properties), ...Object.keys(schemas[type].credentials ?? {})]);
      for (const [, id] of html.matchAll(/id="node-(?:config-)?input-([A-Za-z0-9]+)"/g)) assert.ok(known.has(id), `${type}: dialog input ${id} is not in the schema`);
    }
  });

  it('basic and login lockout defaults are lib LOCKOUT_DEFAULTS', () => {
    for (const type of ['authflow-basic', 'authflow-login']) {
      const p = schemas[type].properties;
      assert.deepEqual(
        { maxRetries: p.maxRetries.default, ipMaxRetries: p.ipMaxRetries.default, findTimeSec: p.findTime.default, banTimeSec: p.banTime.default },
        { maxRetries: LOCKOUT_DEFAULTS.maxRetries, ipMaxRetries: LOCKOUT_DEFAULTS.ipMaxRetries, findTimeSec: LOCKOUT_DEFAULTS.findTimeSec, banTimeSec: LOCKOUT_DEFAULTS.banTimeSec },
      );
    }
  });

  describe('migrations', () => {
    it('basic 0 → 1: users/usersType become userSource/userSourceType; a node saved before lockout existed gets lockout on', () => {
      const c = loadConfig(schemas['authflow-basic'], { id: 'n1', type: 'authflow-basic', z: 'f', wires: [[], []], usersType: 'flow', users: 'apiUsers', realm: 'r' });
      assert.equal(c.userSourceType, 'flow');
      assert.equal(c.userSource, 'apiUsers');
      assert.equal('users' in c, false);
      assert.equal('usersType' in c, false);
      assert.equal(c.lockout, true);
      assert.equal(c.maxRetries, 5);
      assert.equal(c.configVersion, 1);
      assert.deepEqual([c.id, c.type, c.z, c.realm], ['n1', 'authflow-basic', 'f', 'r'], 'Node-RED fields and set values pass through');
    });

    it('basic: an explicit lockout off and a new name already set survive the migration', () => {
      const c = loadConfig(schemas['authflow-basic'], { lockout: false, users: 'old', userSource: 'new' });
      assert.equal(c.lockout, false);
      assert.equal(c.userSource, 'new');
    });

    it('login 0 → 1: users renamed; a missing TOTP policy becomes "enrolled", the editor default (defect 9)', () => {
      const c = loadConfig(schemas['authflow-login'], { usersType: 'msg', users: 'rows', issuer: 'i' });
      assert.deepEqual([c.userSourceType, c.userSource, c.totp], ['msg', 'rows', 'enrolled']);
      assert.equal(schemas['authflow-login'].properties.totp.default, 'enrolled');
      assert.equal(loadConfig(schemas['authflow-login'], { totp: 'off' }).totp, 'off', 'an explicit choice is kept');
    });

    it('a current config is not migrated again; a config from a newer version is refused, not guessed', () => {
      const current = loadConfig(schemas['authflow-basic'], { configVersion: 1, users: 'x' });
      assert.equal(current.users, 'x', 'migration 0 → 1 did not run on a version-1 config');
      const newer = loadConfig(schemas['authflow-token'], { configVersion: 7 });
      assert.equal(savedVersion(newer), 7);
      assert.match(configProblems(schemas['authflow-token'], newer)[0], /newer version.*config version 7/);
    });

    it('loading never changes the saved object', () => {
      const saved = Object.freeze({ users: 'a', usersType: 'flow' });
      loadConfig(schemas['authflow-basic'], saved);
      assert.deepEqual(saved, { users: 'a', usersType: 'flow' });
    });
  });

  describe('rules', () => {
    const problems = (type, config) => configProblems(schemas[type], loadConfig(schemas[type], config));

    it('the defaults of every schema are valid', () => {
      for (const type of withSchema) {
        const config = loadConfig(schemas[type], {});
        // Required config-node references have no default: everything else passes.
        const references = Object.keys(schemas[type].properties).filter((n) => schemas[type].properties[n].configType);
        // authflow-scope: what to require has no safe default (nothing would pass every caller).
        const mustType = type === 'authflow-scope' ? /^give scopes and\/or roles/ : /^$/;
        const left = problems(type, {}).filter((p) => !references.some((r) => p === `${r}: is required`) && !mustType.test(p));
        assert.deepEqual(left, [], `${type}: ${JSON.stringify(config)}`);
      }
    });

    it('ip: 10.0.0.0/33 and 300.1.1.1 are refused in allow, deny and trusted proxies (defect 8); rules from context are not checked here', () => {
      const p = problems('authflow-ip', { allow: '10.0.0.0/33', deny: '300.1.1.1', trustedProxies: '10.0.0.0/33 ::1' });
      assert.deepEqual(p, [
        'allow: invalid IP rule "10.0.0.0/33": prefix must be 0-32',
        'deny: invalid IP rule "300.1.1.1": not an IPv4 or IPv6 address',
        'trustedProxies: invalid IP rule "10.0.0.0/33": prefix must be 0-32',
      ]);
      assert.deepEqual(problems('authflow-ip', { allowType: 'flow', allow: 'ipRules' }), []);
    });

    it('a credential source other than the node credentials needs a key; an unknown source type is refused', () => {
      assert.deepEqual(problems('authflow-basic', { userSourceType: 'flow', userSource: '' }), ['userSource: a flow context key is required']);
      assert.deepEqual(problems('authflow-token', { tokensType: 'env', tokens: ' ' }), ['tokens: a env variable name is required']);
      assert.deepEqual(problems('authflow-token', { tokensType: 'json', tokens: '[]' }), ['tokensType: must be one of cred, flow, global, env, msg', 'tokens: unknown credential source "json"']);
    });

    it('realm, header, lockout numbers, TTLs, JSON and store fields use the rules the editor used', () => {
      assert.deepEqual(problems('authflow-basic', { realm: 'a"b', maxRetries: '-1' }), [
        'realm: must be set and hold no ", \\, CR, LF or control characters', 'lockout settings must be whole numbers >= 0',
      ]);
      assert.deepEqual(problems('authflow-token', { header: 'x auth' }), ['header: must be a header name (letters, digits, !#$%&\'*+.^_`|~-)']);
      assert.deepEqual(problems('authflow-issuer', { accessTtl: '1.5', extraClaims: '[1]' }), ['accessTtl: must be a whole number > 0', 'extraClaims: must be a JSON object']);
      assert.deepEqual(problems('authflow-store', { backend: 'context', keyPrefix: '1x', timeout: '10' }), [
        'keyPrefix: context key prefix must be letters, digits and "_", not starting with a digit',
        'timeout: must be a whole number of milliseconds between 50 and 60000',
      ]);
      assert.deepEqual(problems('authflow-store', { backend: 'redis', keyPrefix: 'app:1:' }), []);
      assert.deepEqual(problems('authflow-bearer', { keySource: 'issuer', issuer: '' }), ['issuer: is required']);
      assert.deepEqual(problems('authflow-bearer', { keySource: 'jwks', issuer: '' }), []);
    });
  });

  describe('the IP rule validator answers exactly like lib/ip parseCidr', () => {
    const lib = (rule) => {
      try {
        parseCidr(rule);
        return undefined;
      } catch (e) {
        return e.message;
      }
    };
    const agree = (rule) => assert.equal(ipRuleProblem(rule), lib(rule), JSON.stringify(rule));

    it('on a corpus of valid, invalid and tricky rules', () => {
      for (const rule of [
        '10.0.0.0/8', '10.0.0.0/33', '300.1.1.1', '1.2.3.4', '1.2.3.4/0', '1.2.3.4/32', '1.2.3.4/08', '01.2.3.4', '1.2.3', '1.2.3.4.5',
        '::', '::1', '::/0', '::1/128', '::1/129', '2001:db8::/32', 'fe80::1%eth0', 'fe80::1%eth0/64', '::ffff:1.2.3.4', '::ffff:1.2.3.4/96',
        '::ffff:1.2.3.4/95', '::FFFF:10.0.0.0/104', '0:0:0:0:0:ffff:1.2.3.4/120', '::1.2.3.4', '::1.2.3.4/96', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7',
        '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', '1.2.3.4/', '/8', '1.2.3.4/-1', '1.2.3.4/3 2', ' ', 'a'.repeat(90), '1:2:3:4:5:6:1.2.3.4',
        '1:2:3:4:5:6:7:1.2.3.4', '::ffff:256.1.1.1', '[::1]', '1.2.3.4:80',
      ]) agree(rule);
    });

    it('on generated addresses, prefixes and near-misses (property-based)', () => {
      const seg = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)), fc.constantFrom('', '0', 'ffff', 'FFFF', '00000', 'g'));
      const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '256', ''));
      const v4 = fc.array(octet, { minLength: 3, maxLength: 5 }).map((a) => a.join('.'));
      const v6 = fc.tuple(fc.array(seg, { minLength: 0, maxLength: 9 }), fc.boolean(), fc.option(v4, { nil: undefined })).map(([groups, gap, tail]) => {
        const g = [...groups];
        if (gap) g.splice(Math.floor(g.length / 2), 0, '');
        let s = g.join(':');
        if (gap && !s.includes('::')) s = s + '::';
        return tail ? `${s}:${tail}` : s;
      });
      const prefix = fc.oneof(fc.constant(''), fc.integer({ min: -1, max: 140 }).map((n) => `/${n}`), fc.constantFrom('/', '/08', '/1a'));
      fc.assert(fc.property(fc.oneof(v4, v6), prefix, (addr, p) => { agree(addr + p); }), { numRuns: 3000 });
    });

    it('lists split like lib/ip splitRules: commas, spaces, newlines, # comments', () => {
      assert.deepEqual(ipRuleProblems('10.0.0.0/8, 192.168.0.0/16 # office\n# 300.1.1.1\n::1'), []);
      assert.equal(ipRuleProblems('1.2.3.4\n10.0.0.0/33,300.1.1.1').length, 2);
      assert.match(rules.ipRules('10.0.0.0/33,300.1.1.1'), /^2 invalid IP rules: /);
    });
  });

  it('the help quotes the schema defaults (no placeholder left in the built help)', () => {
    for (const type of withSchema) {
      const help = fs.readFileSync(path.join(path.dirname(schemaFile(type)), 'locales/en-US', `${type}.html`), 'utf8');
      assert.doesNotMatch(help, /\{\{default:/, type);
    }
    const basic = fs.readFileSync(path.join(path.dirname(schemaFile('authflow-basic')), 'locales/en-US/authflow-basic.html'), 'utf8');
    assert.match(basic, /per user\+IP<\/i>, default 5\)/);
  });

  describe('runtime: flows saved with the old property names still work', () => {
    before(start);
    afterEach(async () => {
      const { helper } = require('../support/flow-harness');
      await helper.unload();
    });
    after(stop);

    it('basic with users/usersType (flow context) authenticates from the context list', async () => {
      const { hashPasswordScrypt } = require('../../dist/lib/internal');
      const hash = await hashPasswordScrypt('pw-1', { ln: 12 });
      const flow = protectedRoute('authflow-basic', { usersType: 'flow', users: 'apiUsers', lockout: false });
      flow.find((n) => n.id === 'f1').env = [];
      const api = await load(['authflow-basic'], flow);
      const { helper } = require('../support/flow-harness');
      helper.getNode('check').context().flow.set('apiUsers', `alice:${hash}`);
      const ok = await api.get('/api').auth('alice', 'pw-1');
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      await api.get('/api').auth('alice', 'nope').expect(401);
    });
  });
});
