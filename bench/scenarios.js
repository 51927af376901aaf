'use strict';
// Every throughput scenario is one declarative entry: the nodes that sit
// between `http in` and `http response`, the flow-context values they need,
// and the request that passes them. flow.js turns the list into one Node-RED
// flow (one tab and one route per scenario); run.js measures each against the
// bare route in interleaved rounds.
//
// Fields:
//   id        route is /bench/<id>; also the row key in docs/BENCHMARKS.md
//   label     text in the report
//   group     'reference' | 'check' (our nodes: target ratio >= 0.95) | 'today' (what people do now)
//   instance  'main' (default), 'nodeauth' (second Node-RED with settings.httpNodeAuth) or 'twin' (its twin without it)
//   nodes(fx) the chain: array of node configs; wires are added by flow.js
//             (one output → next; a second output → http response)
//   credentials(fx)  { <index in nodes>: {credential fields} }
//   context   { <flow context key>: <benchData field> } set by an inject-at-start node
//   headers(fx)      request headers that pass the check
//   requires  node type that must be registered (package.json node-red.nodes) or the entry is skipped
//   todo      why the entry is not measured yet (shown in the report instead of numbers)
//   fasterThan  id of the "today" scenario this check node must beat
//   target    the ratio target when it is not 0.95; targetRps: a req/s target instead of a ratio
//   route / method   override the path (/bench/<id>) and the method (get)
//   configNodes(fx)  global config nodes the chain refers to (with their credentials)
//   body(fx)         request body (exact text); rawBody: the route does not parse it ("Don't parse body")
//   perRequest(fx)   autocannon setupRequest: headers made afresh for every request (signatures, nonces)
//   globals(fx, dir) setup hook run before the main instance starts: writes a JSON file in dir of top-level
//                    global context entries (e.g. seeded keys) and returns its path (bench/flow.js functionGlobalContext)

const crypto = require('crypto');
const { sha256 } = require('./fixtures');

const fn = (name, func, outputs = 2) => ({ type: 'function', name, func, outputs });

/**
 * authflow-bearer verifying tokens of an authflow-issuer (HS256) on `store`
 * ('' = embedded): signature, then the revoked-jti and session reads. The
 * token is minted here with the issuer's secret, as a login would (sub, jti,
 * iat, sid; typ at+jwt).
 */
/**
 * Setup hook (globals) of the routes that verify our own tokens: the store says bound keys have been
 * in use for a day (lib/tokens/revocation.ts), so the bench's tokens — minted before Node-RED starts —
 * are checked as every token issued after a deploy is, without the pre-binding reads that only tokens
 * from before an upgrade pay. Embedded: an entry of the global context (default prefix); Redis: SET.
 */
function boundSinceMarker(redisPrefix) {
  return (fx, dir) => {
    const since = String(Math.floor(Date.now() / 1000) - 86400);
    if (redisPrefix) {
      const url = process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
      require('child_process').execFileSync(process.execPath, ['-e',
        `const R = require('ioredis'); const r = new R(process.argv[1]); r.set(process.argv[2], process.argv[3], 'EX', 3 * 3600).then(() => r.quit());`,
        url, `${redisPrefix}af:bound-since`, since], { cwd: require('path').join(__dirname, '..'), timeout: 10000 });
    }
    const file = require('path').join(dir, `bound-since${redisPrefix ? '-redis' : ''}.json`);
    require('fs').writeFileSync(file, JSON.stringify(redisPrefix ? {} : { 'authflow_af:bound-since': { v: since, exp: null } }));
    return file;
  };
}

function ownBearerScenario(id, label, store, { configNodes = [], target, redisPrefix } = {}) {
  const issuerId = `${id}-iss`;
  const token = (fx) => {
    fx.ownTokens = fx.ownTokens || {};
    if (!fx.ownTokens[id]) {
      const lib = require('../dist/lib');
      const now = Math.floor(Date.now() / 1000);
      fx.ownTokens[id] = lib.signJwt({ sub: 'bench-user', iss: 'authflow-bench-own', aud: 'bench-api', iat: now, exp: now + 24 * 3600, jti: crypto.randomUUID(), sid: crypto.randomBytes(16).toString('base64url') },
        lib.buildSigningKey({ alg: 'HS256', secret: fx.hsSecret }), { typ: 'at+jwt' });
    }
    return fx.ownTokens[id];
  };
  return {
    id, label, group: 'check', requires: 'authflow-issuer', target, globals: boundSinceMarker(redisPrefix),
    configNodes: (fx) => [...configNodes, { id: issuerId, type: 'authflow-issuer', name: `bench issuer ${id}`, iss: 'authflow-bench-own', aud: 'bench-api', alg: 'HS256', accessTtl: 900, refreshTtl: 3600, store, credentials: { secret: fx.hsSecret } }],
    nodes: () => [{ type: 'authflow-bearer', realm: 'bench', keySource: 'issuer', issuer: issuerId, respond: false }],
    headers: (fx) => ({ authorization: 'Bearer ' + token(fx) }),
  };
}

/** One OAuth client (secret, its hash under the server's key) and a client-credentials token of the bench issuer. */
function oauthClient(fx) {
  if (!fx.oauth) {
    const lib = require('../dist/lib/internal');
    const key = crypto.randomBytes(32).toString('base64url');
    const { secret, hash } = new lib.ClientSecretHasher(key).generate('bench-client');
    const now = Math.floor(Date.now() / 1000);
    const token = lib.signJwt({ iss: 'https://bench.example/oauth', aud: 'bench-api', sub: 'bench-client', client_id: 'bench-client', iat: now, exp: now + 24 * 3600, jti: crypto.randomUUID(), scope: 'orders:read' },
      lib.buildSigningKey({ alg: 'ES256', pem: fx.ecPrivatePem }), { typ: 'at+jwt' });
    fx.oauth = { key, secret, hash, token };
  }
  return fx.oauth;
}

/** The issuer (ES256, embedded store) and the authorization server the OAuth scenarios share. */
function oauthConfigNodes(fx) {
  const c = oauthClient(fx);
  return [
    { id: 'bench-oauth-issuer', type: 'authflow-issuer', name: 'bench oauth issuer', iss: 'https://bench.example/oauth', aud: 'bench-api', format: 'jwt', alg: 'ES256', accessTtl: 900, refreshTtl: 3600, store: '', credentials: { privateKey: fx.ecPrivatePem } },
    { id: 'bench-oauth-server', type: 'authflow-oauth2-server', name: 'bench oauth server', issuer: 'bench-oauth-issuer', clientsType: 'cred', clients: '',
      credentials: { secretKey: c.key, clientList: JSON.stringify([{ client_id: 'bench-client', client_secrets: [c.hash], scope: 'orders:read' }]) } },
  ];
}

// "The way people do it today", written the way it is usually written.
const FN_BASIC = `const h = msg.req.headers.authorization || '';
const m = /^Basic (.+)$/.exec(h);
if (m) {
  const s = Buffer.from(m[1], 'base64').toString();
  const i = s.indexOf(':');
  const users = flow.get('users') || {};
  if (i > 0 && users[s.slice(0, i)] === s.slice(i + 1)) return [msg, null];
}
msg.statusCode = 401;
msg.headers = { 'WWW-Authenticate': 'Basic realm="api"' };
msg.payload = { error: 'unauthorized' };
return [null, msg];`;

const FN_TOKEN = `const t = msg.req.headers['x-auth-token'];
const tokens = flow.get('tokens') || [];
if (t && tokens.includes(t)) return [msg, null];
msg.statusCode = 401;
msg.payload = { error: 'unauthorized' };
return [null, msg];`;

const FN_IP = `const ip = msg.req.ip;
const allowed = flow.get('allowedIps') || [];
if (allowed.includes(ip)) return [msg, null];
msg.statusCode = 403;
msg.payload = { error: 'forbidden' };
return [null, msg];`;

const FN_JWT = `const jwt = global.get('jwt');
const h = msg.req.headers.authorization || '';
try {
  msg.user = jwt.verify(h.replace(/^Bearer /, ''), flow.get('jwtSecret'), { algorithms: ['HS256'] });
  return [msg, null];
} catch (e) {
  msg.statusCode = 401;
  msg.payload = { error: 'unauthorized' };
  return [null, msg];
}`;

const basicNode = { type: 'authflow-basic', realm: 'bench', usersType: 'cred', users: '', respond: false };
// A login issuer for the storm: HS256 JWTs, state in the default (context) store.
const issuerNode = (fx) => ({
  id: 'bench-issuer', type: 'authflow-issuer', name: 'bench issuer', iss: 'authflow-bench', aud: 'bench-api', format: 'jwt', alg: 'HS256',
  kid: '', accessTtl: 900, refreshTtl: 86400, extraClaims: '', store: '', credentials: { secret: fx.hsSecret },
});
const bearerNode = { type: 'authflow-bearer', realm: 'bench', iss: 'authflow-bench', aud: 'bench-api', respond: false };
const rateLimitNode = (store) => ({
  type: 'authflow-rate-limit', keyBy: 'ip', store, respond: false,
  limits: [{ name: 'burst', limit: 1e9, window: 1, unit: 's' }, { name: 'daily', limit: 1e9, window: 1, unit: 'd' }],
});

// Signed requests (issue 14): a 1 KB JSON body, strict scheme, a fresh timestamp and nonce per
// request signed the way a client does (in the load generator), the nonce claimed on every request.
const HMAC_SECRET = crypto.randomBytes(32).toString('hex');
const BODY_1K = JSON.stringify({ data: 'x'.repeat(1024 - 11) }); // 1024 bytes
const BODY_1K_SHA = sha256(BODY_1K);
const hmacNode = (store) => ({ type: 'authflow-hmac', mode: 'request', scheme: 'strict', secretsType: 'cred', secrets: '', store, respond: false });
const signed = (id) => () => (req) => {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = crypto.randomBytes(16).toString('hex');
  const msg = ['AUTHFLOW-HMAC-SHA256', 'POST', `/bench/${id}`, '', ts, nonce, BODY_1K_SHA].join('\n');
  const sig = crypto.createHmac('sha256', HMAC_SECRET).update(msg).digest('hex');
  return { ...req, headers: { ...req.headers, 'content-type': 'application/json', 'x-key-id': 'bench', 'x-timestamp': ts, 'x-nonce': nonce, 'x-signature': sig } };
};
const hmacScenario = (id, label, store, extra = {}) => ({
  id, label, group: 'check', requires: 'authflow-hmac', method: 'post', rawBody: true, body: () => BODY_1K,
  nodes: () => [hmacNode(store)], credentials: () => ({ 0: { secretList: JSON.stringify([{ keyId: 'bench', secret: HMAC_SECRET }]) } }),
  // Judged against the same signed 1 KB POST through a bare route (a POST skips the editor's static files).
  perRequest: signed(id), reference: 'bare-post-1k', ...extra,
});

const listed = [
  { id: 'bare', label: 'bare `http in → http response`', group: 'reference', nodes: () => [] },
  // A second, identical bare route: its ratio shows the noise floor of this run.
  { id: 'bare-again', label: 'bare again, a second identical route (noise floor)', group: 'reference', nodes: () => [] },
  {
    id: 'fn-noop', label: 'function node `return msg;` (no check)', group: 'reference',
    nodes: () => [fn('noop', 'return msg;', 1)],
  },
  {
    id: 'junction', label: 'a junction node (Node-RED passes it without a node hop)', group: 'reference',
    nodes: () => [{ type: 'junction', outputs: 1 }],
  },
  // The bare route sent a bearer token it ignores: what carrying credentials costs the request itself.
  {
    id: 'bare-with-header', label: 'bare route, the request carrying an RS256 bearer token (ignored)', group: 'reference',
    nodes: () => [], headers: (fx) => ({ authorization: 'Bearer ' + fx.jwtRS256 }),
  },
  // The cheapest ordinary node: what any node in the chain costs (Node-RED's own per-node hop).
  {
    id: 'change-noop', label: 'a change node with no rules (the cost of any extra node)', group: 'reference',
    nodes: () => [{ type: 'change', name: 'noop', rules: [], outputs: 1 }],
  },
  // Two of them: the hops of a two-node chain such as bearer → scope, with no work in either node.
  {
    id: 'change-noop-2', label: 'two change nodes with no rules (the hops of a two-node chain)', group: 'reference',
    nodes: () => [{ type: 'change', name: 'noop 1', rules: [], outputs: 1 }, { type: 'change', name: 'noop 2', rules: [], outputs: 1 }],
  },

  // Check nodes, steady state (same credentials every request).
  {
    id: 'basic-scrypt', label: 'authflow-basic, scrypt hash (success cache)', group: 'check', fasterThan: 'fn-basic',
    nodes: () => [basicNode], credentials: (fx) => ({ 0: { userList: fx.userLines } }),
    headers: (fx) => ({ authorization: fx.basic(fx.scryptUser) }),
  },
  {
    id: 'basic-bcrypt', label: 'authflow-basic, bcrypt hash (success cache)', group: 'check', fasterThan: 'fn-basic',
    nodes: () => [basicNode], credentials: (fx) => ({ 0: { userList: fx.userLines } }),
    headers: (fx) => ({ authorization: fx.basic(fx.bcryptUser) }),
  },
  {
    id: 'token-cred', label: 'authflow-token, one token in node credentials', group: 'check', fasterThan: 'fn-token',
    nodes: () => [{ type: 'authflow-token', tokensType: 'cred', header: 'x-auth-token' }],
    credentials: (fx) => ({ 0: { tokenList: 'sha256:' + sha256(fx.token) } }),
    headers: (fx) => ({ 'x-auth-token': fx.token }),
  },
  {
    id: 'token-flow-1', label: 'authflow-token, 1 token in flow context', group: 'check', fasterThan: 'fn-token',
    nodes: () => [{ type: 'authflow-token', tokensType: 'flow', tokens: 'apiTokens', header: 'x-auth-token' }],
    context: { apiTokens: 'tokenList1' },
    headers: (fx) => ({ 'x-auth-token': fx.token }),
  },
  {
    id: 'token-flow-100k', label: 'authflow-token, 100,000 tokens in flow context', group: 'check', fasterThan: 'fn-token',
    nodes: () => [{ type: 'authflow-token', tokensType: 'flow', tokens: 'apiTokens', header: 'x-auth-token' }],
    context: { apiTokens: 'tokenListBig' },
    headers: (fx) => ({ 'x-auth-token': fx.token }),
  },
  {
    id: 'ip-10', label: 'authflow-ip, 10 CIDRs typed into the node', group: 'check', fasterThan: 'fn-ip',
    nodes: (fx) => [{ type: 'authflow-ip', allowType: 'str', allow: fx.cidrs10.join(', '), denyType: 'str', deny: '', trustedProxies: '' }],
  },
  {
    id: 'ip-100k', label: 'authflow-ip, 100,000 CIDRs in flow context', group: 'check', fasterThan: 'fn-ip',
    nodes: () => [{ type: 'authflow-ip', allowType: 'flow', allow: 'allowedIps', denyType: 'str', deny: '', trustedProxies: '' }],
    context: { allowedIps: 'cidrsBig' },
  },
  // Bearer: verified-token cache on (the node's default), same token every request.
  {
    id: 'bearer-hs256', label: 'authflow-bearer, HS256 shared secret', group: 'check', fasterThan: 'fn-jwt', requires: 'authflow-bearer',
    nodes: () => [{ ...bearerNode, keySource: 'secret', alg: 'HS256' }], credentials: (fx) => ({ 0: { secret: fx.hsSecret } }),
    headers: (fx) => ({ authorization: 'Bearer ' + fx.jwtHS256 }),
  },
  {
    id: 'bearer-rs256', label: 'authflow-bearer, RS256 public key', group: 'check', fasterThan: 'fn-jwt', requires: 'authflow-bearer',
    nodes: (fx) => [{ ...bearerNode, keySource: 'key', alg: 'RS256', publicKey: fx.rsaPublicPem }],
    headers: (fx) => ({ authorization: 'Bearer ' + fx.jwtRS256 }),
  },
  {
    id: 'bearer-es256', label: 'authflow-bearer, ES256 public key', group: 'check', fasterThan: 'fn-jwt', requires: 'authflow-bearer',
    nodes: (fx) => [{ ...bearerNode, keySource: 'key', alg: 'ES256', publicKey: fx.ecPublicPem }],
    headers: (fx) => ({ authorization: 'Bearer ' + fx.jwtES256 }),
  },
  // Bearer of our own issuer, revocation and session state checked on every request (issue 17).
  // Targets: >= 0.95 of bare embedded, >= 0.93 on Redis (local view invalidated by Redis: no round trip when warm).
  ownBearerScenario('bearer-own-revocation', 'authflow-bearer, own issuer (HS256), revocation + session checked, embedded store', ''),
  ownBearerScenario('bearer-own-revocation-redis', 'authflow-bearer, own issuer (HS256), revocation + session checked, Redis (local view, client tracking)', 'bench-redis-rev', {
    target: 0.93, redisPrefix: `authflow_bench_rev_${process.pid}:`,
    configNodes: [{ id: 'bench-redis-rev', type: 'authflow-store', name: 'bench redis (revocation)', backend: 'redis', keyPrefix: `authflow_bench_rev_${process.pid}:`, timeout: 1000,
      credentials: { redisUrl: process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379' } }],
  }),
  // Rate limit (issue 15): limits high enough never to refuse, one hot client (loopback).
  // Targets: >= 0.93 of bare embedded, >= 0.85 with Redis (one round trip per request).
  {
    id: 'rate-limit-memory', label: 'authflow-rate-limit, 2 limits per client IP, embedded (in-process)', group: 'check', requires: 'authflow-rate-limit', target: 0.93,
    nodes: () => [rateLimitNode('')],
  },
  {
    id: 'rate-limit-redis', label: 'authflow-rate-limit, 2 limits per client IP, Redis (one Lua script per request)', group: 'check', requires: 'authflow-rate-limit', target: 0.85,
    configNodes: () => [{ id: 'bench-redis', type: 'authflow-store', name: 'bench redis', backend: 'redis', keyPrefix: `authflow_bench_rl_${process.pid}:`, timeout: 1000,
      credentials: { redisUrl: process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379' } }],
    nodes: () => [rateLimitNode('bench-redis')],
  },

  // Signed requests (issue 14). Targets: >= 0.90 of `bare-post-1k` embedded, >= 0.85 with Redis.
  // The reference: the same 1 KB POST, unparsed, through a bare route, with the same per-request headers.
  {
    id: 'bare-post-1k', label: 'bare route, 1 KB POST, body not parsed, signed headers ignored (reference for authflow-hmac)', group: 'reference',
    method: 'post', rawBody: true, body: () => BODY_1K, nodes: () => [], perRequest: signed('bare-post-1k'),
  },
  // The floor of any one-node check on that route: Node-RED's hop alone, judged against the same reference.
  {
    id: 'change-noop-post-1k', label: 'the same 1 KB POST through a change node with no rules (the hop on this route)', group: 'reference',
    method: 'post', rawBody: true, body: () => BODY_1K, nodes: () => [{ type: 'change', name: 'noop', rules: [], outputs: 1 }],
    perRequest: signed('change-noop-post-1k'), reference: 'bare-post-1k',
  },
  hmacScenario('hmac-1k', 'authflow-hmac, strict scheme, signed 1 KB POST, nonce claimed in the embedded store', '', { target: 0.90 }),
  hmacScenario('hmac-1k-redis', 'authflow-hmac, strict scheme, signed 1 KB POST, nonce claimed in Redis (SET NX PX)', 'bench-redis-hmac', {
    target: 0.85,
    configNodes: () => [{ id: 'bench-redis-hmac', type: 'authflow-store', name: 'bench redis (hmac)', backend: 'redis', keyPrefix: `authflow_bench_hmac_${process.pid}:`, timeout: 1000,
      credentials: { redisUrl: process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379' } }],
  }),

  // OAuth 2.0 (issue 12). Token issuance for a client secret (keyed hash, ES256 signature, no store write):
  // target >= 1,000 tokens/s; the partner route `bearer → scope` with a repeated token: >= 0.95 of bare.
  {
    id: 'oauth2-token', label: 'authflow-oauth2 token endpoint, client_secret_basic, ES256 JWT issued per request', group: 'check', targetRps: 1000,
    requires: 'authflow-oauth2', method: 'post', configNodes: oauthConfigNodes,
    nodes: () => [{ type: 'authflow-oauth2', server: 'bench-oauth-server', operation: 'token', respond: false }],
    headers: (fx) => ({ 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`bench-client:${oauthClient(fx).secret}`).toString('base64') }),
    body: () => 'grant_type=client_credentials&scope=orders%3Aread',
  },
  {
    id: 'oauth2-bearer-scope', label: 'authflow-bearer (own issuer, ES256) → authflow-scope orders:read, client-credentials token', group: 'check',
    requires: 'authflow-scope', fasterThan: 'fn-jwt', configNodes: oauthConfigNodes, globals: boundSinceMarker(),
    nodes: () => [
      { type: 'authflow-bearer', realm: 'bench', keySource: 'issuer', issuer: 'bench-oauth-issuer', respond: false },
      { type: 'authflow-scope', scopes: 'orders:read', scopesType: 'str', scopeMatch: 'all', roles: '', rolesType: 'str', respond: false },
    ],
    headers: (fx) => ({ authorization: 'Bearer ' + oauthClient(fx).token }),
  },

  // The way people do it today.
  {
    id: 'fn-basic', label: 'function node: decode Basic, compare with flow context (plain text)', group: 'today',
    nodes: () => [fn('basic by hand', FN_BASIC)], context: { users: 'plainUsers' },
    headers: (fx) => ({ authorization: fx.basic(fx.scryptUser) }),
  },
  {
    id: 'fn-token', label: 'function node: x-auth-token in a flow-context array', group: 'today',
    nodes: () => [fn('token by hand', FN_TOKEN)], context: { tokens: 'plainTokens' },
    headers: (fx) => ({ 'x-auth-token': fx.token }),
  },
  {
    id: 'fn-ip', label: 'function node: msg.req.ip in a flow-context array of 10 addresses', group: 'today',
    nodes: () => [fn('ip by hand', FN_IP)], context: { allowedIps: 'plainIps' },
  },
  {
    id: 'fn-jwt', label: 'function node: jsonwebtoken.verify, HS256 string secret', group: 'today',
    nodes: () => [fn('jwt by hand', FN_JWT)], context: { jwtSecret: 'hsSecret' },
    headers: (fx) => ({ authorization: 'Bearer ' + fx.jwtHS256 }),
  },
  {
    id: 'nr-httpNodeAuth', label: "Node-RED's own `httpNodeAuth` (bcrypt, second instance)", group: 'today', instance: 'nodeauth',
    route: '/bench/bare', nodes: () => [],
    headers: (fx) => ({ authorization: fx.basic({ username: fx.nodeRedAuth.user, password: fx.nodeRedAuth.password }) }),
  },
  // Same flow and request as the row above on a third Node-RED without httpNodeAuth: separates
  // what httpNodeAuth costs from what a second, smaller process does differently.
  {
    id: 'nr-twin', label: 'the same second instance without `httpNodeAuth` (reference for the row above)', group: 'reference', instance: 'twin',
    route: '/bench/bare', nodes: () => [],
    headers: (fx) => ({ authorization: fx.basic({ username: fx.nodeRedAuth.user, password: fx.nodeRedAuth.password }) }),
  },
  // API keys (issue 13): the auth token node with keys from an API key store, 100,000 keys in the store,
  // the same valid key every request (served from the verified-key cache). Target >= 0.95 of bare.
  {
    id: 'apikey-store-redis-100k', label: 'authflow-token, keys from an API key store on Redis, 100,000 keys stored', group: 'check', requires: 'authflow-key-store',
    configNodes: (fx) => apiKeyStoreNodes(fx, 'redis'),
    nodes: () => [{ type: 'authflow-token', keySource: 'keystore', keyStore: 'bench-keys-redis', header: 'X-API-Key' }],
    headers: (fx) => ({ 'x-api-key': apiKeyFixture(fx).redisKey }),
  },
  {
    id: 'apikey-store-embedded-100k', label: 'authflow-token, keys from an API key store in global context, 100,000 keys stored', group: 'check', requires: 'authflow-key-store',
    globals: seedEmbeddedKeys,
    configNodes: (fx) => apiKeyStoreNodes(fx, 'context'),
    nodes: () => [{ type: 'authflow-token', keySource: 'keystore', keyStore: 'bench-keys-context', header: 'X-API-Key' }],
    headers: (fx) => ({ 'x-api-key': embeddedKey(fx) }),
  },
  // The same bare route added after every other: what Express's route-by-route matching costs the last one.
  { id: 'bare-last', label: 'bare route added last (the cost of the routes before it)', group: 'reference', nodes: () => [] },
];

const API_KEY_COUNT = process.env.AUTHFLOW_BENCH_API_KEYS || '100000';
const apiKeySeed = (args) => require('child_process').execFileSync(process.execPath, [require('path').join(__dirname, 'api-keys-seed.js'), ...args], { encoding: 'utf8', timeout: 300000 });
/** One hashing secret for both API key stores (Redis and embedded). */
const apiKeySecret = (fx) => (fx.apiKeySecret = fx.apiKeySecret || crypto.randomBytes(32).toString('base64url'));

/** 100,000 keys seeded into Redis once per bench run (bench/api-keys-seed.js). */
function apiKeyFixture(fx) {
  if (!fx.apiKeys) {
    const secret = apiKeySecret(fx);
    const prefix = `authflow_bench_keys_${process.pid}:`;
    const url = process.env.AUTHFLOW_TEST_REDIS_URL || 'redis://127.0.0.1:6379';
    const redisKey = apiKeySeed([url, prefix, secret, API_KEY_COUNT]);
    fx.apiKeys = { secret, prefix, url, redisKey };
  }
  return fx.apiKeys;
}

/** Deletes every Redis key under `prefix` (SCAN + UNLINK, in batches). */
async function unlinkPrefix(url, prefix) {
  const Redis = require('ioredis');
  const r = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      cursor = next;
      if (batch.length) await r.unlink(...batch);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/** Removes what apiKeyFixture seeded, so runs do not pile up in Redis for the three hours until the keys expire. */
async function dropApiKeyFixture(fx) {
  if (fx.apiKeys) await unlinkPrefix(fx.apiKeys.url, fx.apiKeys.prefix).catch(() => undefined);
}

/**
 * Setup hook (globals) of the embedded row: 100,000 keys as the exact entries the context store keeps
 * (default prefix, as the store node below uses), written to <dir>/api-keys-context.json for the main
 * instance's global context. A child process builds them, so the bench process keeps only the key it sends.
 */
function seedEmbeddedKeys(fx, dir) {
  const file = require('path').join(dir, 'api-keys-context.json');
  fx.embeddedApiKey = apiKeySeed([`context:${file}`, '', apiKeySecret(fx), API_KEY_COUNT]);
  return file;
}

function embeddedKey(fx) {
  if (!fx.embeddedApiKey) throw new Error('apikey-store-embedded-100k: its globals hook (seedEmbeddedKeys) has not run');
  return fx.embeddedApiKey;
}

/** authflow-store + authflow-key-store ids bench-keys-<backend>-store / bench-keys-<backend>. */
function apiKeyStoreNodes(fx, backend) {
  const store = backend === 'redis'
    ? { name: 'bench redis (api keys)', keyPrefix: apiKeyFixture(fx).prefix, timeout: 1000, credentials: { redisUrl: apiKeyFixture(fx).url } }
    // Global context, default context store and key prefix: where seedEmbeddedKeys put the keys.
    : { name: 'bench context (api keys)', contextStore: '', keyPrefix: '' };
  return [
    { id: `bench-keys-${backend}-store`, type: 'authflow-store', backend, ...store },
    { id: `bench-keys-${backend}`, type: 'authflow-key-store', name: 'bench keys', store: `bench-keys-${backend}-store`, credentials: { secret: apiKeySecret(fx) } },
  ];
}

// Routes that are not throughput rows: the storm targets and the memory phase.
const extraRoutes = [
  // Lockout off here: the storm must measure password hashing (the worst case: an attacker
  // spreads guesses over many addresses), not the cheap 429 of a banned address.
  { id: 'storm-basic', label: 'authflow-basic hit with wrong passwords', nodes: () => [{ ...basicNode, respond: true, lockout: false }],
    credentials: (fx) => ({ 0: { userList: fx.userLines } }) },
  { id: 'mem-ip', label: 'authflow-ip, 100,000 CIDRs, trusting X-Forwarded-For from 127.0.0.1',
    nodes: () => [{ type: 'authflow-ip', allowType: 'flow', allow: 'allowedIps', denyType: 'str', deny: '', trustedProxies: '127.0.0.1', respond: true }],
    context: { allowedIps: 'cidrsBig' } },
  { id: 'mem-token', label: 'authflow-token, 100,000 tokens in flow context',
    nodes: () => [{ type: 'authflow-token', tokensType: 'flow', tokens: 'apiTokens', header: 'x-auth-token', respond: true }],
    context: { apiTokens: 'tokenListBig' } },
  { id: 'mem-apikey', label: 'authflow-token, API key store on Redis (100,000 keys): well-formed unknown keys', requires: 'authflow-key-store',
    configNodes: (fx) => apiKeyStoreNodes(fx, 'redis'),
    nodes: () => [{ type: 'authflow-token', keySource: 'keystore', keyStore: 'bench-keys-redis', header: 'X-API-Key', respond: true }] },
  { id: 'mem-bearer', label: 'authflow-bearer, HS256', requires: 'authflow-bearer',
    nodes: () => [{ ...bearerNode, keySource: 'secret', alg: 'HS256', respond: true }], credentials: (fx) => ({ 0: { secret: fx.hsSecret } }) },
  // Lockout off, as for storm-basic.
  { id: 'login', label: 'authflow-login', requires: 'authflow-login', method: 'post', configNodes: (fx) => [issuerNode(fx)],
    nodes: () => [{ type: 'authflow-login', issuer: 'bench-issuer', operation: 'login', usersType: 'cred', users: '', totp: 'off',
      lockout: false, maxRetries: 0, ipMaxRetries: 0, findTime: 120, banTime: 300, respond: false }],
    credentials: (fx) => ({ 0: { userList: fx.userLines } }) },
  // Bench-only probes into the Node-RED process (bench/instrument.js via functionGlobalContext.benchProbe).
  { id: 'gc', label: 'full GC, then process.memoryUsage()', nodes: () => [fn('gc', "msg.payload = global.get('benchProbe').memory(); return msg;", 1)] },
  { id: 'lag', label: 'event-loop delay since the last call', nodes: () => [fn('lag', "msg.payload = global.get('benchProbe').loopDelay(); return msg;", 1)] },
];

/**
 * Express tries a request against the routes one by one, in the order they were added, so a route
 * added late pays for every route before it: at the end of this list a second bare route measured
 * 0.93–0.98 of the first (`bare-last`, 2026-11-30). Each check and "today" row is therefore judged against a
 * bare twin added right before it (same router depth), round by round, like the signed rows against
 * `bare-post-1k`; the first bare route stays the run's common reference. Twins are not table rows.
 */
function withDepthTwins(list) {
  return list.flatMap((s) => {
    if (!['check', 'today'].includes(s.group) || s.reference || s.targetRps || (s.instance || 'main') !== 'main') return [s];
    const twin = { id: `${s.id}-twin`, label: `bare route added right before ${s.id}`, group: 'twin', nodes: () => [] };
    return [twin, { ...s, reference: twin.id }];
  });
}

const scenarios = withDepthTwins(listed);

module.exports = { scenarios, extraRoutes, dropApiKeyFixture, unlinkPrefix };
