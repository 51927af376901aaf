'use strict';
// Credentials and keys for every scenario, generated fresh on each run (no
// secret is committed). Hashes use the package's own defaults: scrypt ln=15
// (what `npx @authflow/node-red-api-auth hash-password` writes) and bcrypt cost 10.
const crypto = require('crypto');
const bcrypt = require('bcryptjs');
const lib = require('../dist/lib');

/** Deterministic PRNG (mulberry32) so rule lists are the same shape every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` distinct CIDRs (80% IPv4 /16–/32, 20% IPv6 /32–/128) that never
 * cover 127.0.0.0/8 (the bench client must be decided by the last rule) nor
 * 100.64.0.0/10 (the memory phase sends its distinct client IPs from there).
 */
function cidrList(count, seed = 1) {
  const rnd = prng(seed);
  const seen = new Set();
  while (seen.size < count) {
    if (rnd() < 0.8) {
      const prefix = 16 + Math.floor(rnd() * 17);
      const a = 1 + Math.floor(rnd() * 222);
      if (a === 127 || a === 100 || a === 10) continue;
      const n = ((a << 24) | Math.floor(rnd() * 0x1000000)) >>> 0;
      const net = prefix === 32 ? n : (n & ~((1 << (32 - prefix)) - 1)) >>> 0;
      seen.add(`${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${prefix}`);
    } else {
      const groups = Array.from({ length: 8 }, () => Math.floor(rnd() * 0x10000));
      groups[0] = 0x2001;
      groups[1] = 0x0db8;
      const prefix = 32 + Math.floor(rnd() * 97);
      // Clear host bits so every rule is a canonical network.
      for (let bit = prefix; bit < 128; bit++) groups[bit >> 4] &= ~(1 << (15 - (bit & 15)));
      seen.add(`${groups.map((g) => g.toString(16)).join(':')}/${prefix}`);
    }
  }
  return [...seen];
}

const sha256 = (s) => crypto.createHash('sha256').update(s).digest('hex');

async function buildFixtures({ tokenCount = 100000, cidrCount = 100000 } = {}) {
  const fx = {};
  fx.scryptUser = { username: 'alice', password: 'alice-' + crypto.randomBytes(6).toString('hex') };
  fx.bcryptUser = { username: 'bob', password: 'bob-' + crypto.randomBytes(6).toString('hex') };
  fx.scryptHash = await lib.hashPasswordScrypt(fx.scryptUser.password);
  fx.bcryptHash = bcrypt.hashSync(fx.bcryptUser.password, 10);
  fx.userLines = `alice:${fx.scryptHash}\nbob:${fx.bcryptHash}`;
  fx.basic = (u) => 'Basic ' + Buffer.from(`${u.username}:${u.password}`).toString('base64');
  // The "function node today" way: plain-text passwords in flow context.
  fx.plainUsers = { alice: fx.scryptUser.password, bob: fx.bcryptUser.password };

  fx.token = crypto.randomBytes(24).toString('base64url');
  fx.tokenList1 = [{ tokenHash: sha256(fx.token), id: 'bench', subject: 'bench-client', scopes: ['read'] }];
  fx.tokenListBig = [];
  for (let i = 0; i < tokenCount - 1; i++) {
    fx.tokenListBig.push({ tokenHash: sha256('filler-' + i), id: 'k' + i, subject: 'client-' + i, scopes: ['read'] });
  }
  fx.tokenListBig.push(fx.tokenList1[0]);
  fx.plainTokens = [fx.token];

  fx.cidrs10 = [...cidrList(9, 7), '127.0.0.1/32'];
  fx.cidrsBig = [...cidrList(cidrCount - 1, 11), '127.0.0.1/32'];
  fx.plainIps = [...fx.cidrs10.slice(0, 9).map((c) => c.split('/')[0]), '127.0.0.1'];

  // JWTs: a 32-byte-plus HS256 secret, RSA 2048 and P-256 key pairs.
  fx.hsSecret = crypto.randomBytes(32).toString('base64url');
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  fx.rsaPublicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
  fx.rsaPrivatePem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' });
  fx.ecPublicPem = ec.publicKey.export({ type: 'spki', format: 'pem' });
  fx.ecPrivatePem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' });
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'bench-user', iat: now, exp: now + 24 * 3600, scope: 'read', iss: 'authflow-bench', aud: 'bench-api' };
  const sign = (spec) => lib.signJwt({ ...claims, jti: crypto.randomUUID() }, lib.buildSigningKey(spec));
  fx.jwtClaims = claims;
  fx.jwtHS256 = sign({ alg: 'HS256', secret: fx.hsSecret });
  fx.jwtRS256 = sign({ alg: 'RS256', pem: fx.rsaPrivatePem });
  fx.jwtES256 = sign({ alg: 'ES256', pem: fx.ecPrivatePem });
  // header.payload of a valid HS256 token: the memory phase appends forged signatures.
  fx.jwtUnsigned = fx.jwtHS256.split('.').slice(0, 2).join('.');

  fx.nodeRedAuth = { user: 'admin', password: 'admin-' + crypto.randomBytes(6).toString('hex') };
  fx.nodeRedAuthHash = bcrypt.hashSync(fx.nodeRedAuth.password, 10);
  return fx;
}

/** What the Node-RED process gets through functionGlobalContext.benchData (JSON only, no secrets it does not need). */
function benchData(fx) {
  return {
    plainUsers: fx.plainUsers,
    plainTokens: fx.plainTokens,
    tokenList1: fx.tokenList1,
    tokenListBig: fx.tokenListBig,
    cidrs10: fx.cidrs10,
    cidrsBig: fx.cidrsBig,
    plainIps: fx.plainIps,
    hsSecret: fx.hsSecret,
  };
}

module.exports = { buildFixtures, benchData, cidrList, prng, sha256 };
