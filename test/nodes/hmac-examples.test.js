'use strict';
// The two signature examples, loaded into a real Node-RED runtime, answer the
// clients their comment nodes give: every curl + openssl command runs in bash
// and the Python client in python3, against a real port (the comment's
// 127.0.0.1:1880 replaced by it). A command run twice is a replay: 401.
const assert = require('assert');
const fs = require('fs');
const http = require('http');
const path = require('path');
const { execFile } = require('child_process');
const { Webhook } = require('standardwebhooks');
const { helper, load, start, stop, getRED } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');

const modules = [
  require('../../dist/nodes/hmac/authflow-hmac.js'),
  require(fromNodeRed('@node-red/nodes/core/common/20-inject.js')),
  require(fromNodeRed('@node-red/nodes/core/common/90-comment.js')),
  require(fromNodeRed('@node-red/nodes/core/parsers/70-JSON.js')),
];
const example = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, '../../examples', name), 'utf8'));

/** The indented code blocks of a comment's info, each as one script (continuation lines kept). */
function codeBlocks(info) {
  const blocks = [];
  let current = [];
  for (const line of info.split('\n')) {
    if (line.startsWith('    ')) current.push(line.slice(4));
    else if (line.trim() === '' && current.length) continue;
    else if (current.length) blocks.push(current.join('\n')), (current = []);
  }
  if (current.length) blocks.push(current.join('\n'));
  return blocks;
}

function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 20000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin.end(input);
  });
}

/** The HTTP status lines curl -i printed. */
const statuses = (out) => [...out.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));

describe('signature examples: the clients in their comments work', function () {
  this.timeout(60000);
  let server, base;
  before(start);
  after(stop);
  afterEach(async () => {
    if (server) await new Promise((r) => server.close(r));
    server = undefined;
    await helper.unload();
  });

  async function deploy(file) {
    const flow = example(file);
    await load([], flow, {}, modules);
    server = http.createServer(getRED().httpNode);
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `127.0.0.1:${server.address().port}`;
    // The inject node stores the demo keys 0.1 s after deploy.
    await new Promise((r) => setTimeout(r, 400));
    return codeBlocks(flow.find((n) => n.type === 'comment').info).map((b) => b.replaceAll('127.0.0.1:1880', base));
  }

  it('Signed requests: strict scheme by curl + openssl (twice: 200 then 401), by Python; Kindly scheme by curl + openssl and by the guide\'s client', async () => {
    const [strictCurl, strictPython, kindlyPython, kindlyCurl] = await deploy('09 Signed requests.json');
    const out = await run('bash', ['-c', `${strictCurl}\necho; curl -s -i -X POST http://${base}/demo/signed -H 'Content-Type: application/json' -H "X-Key-Id: partner-a" -H "X-Timestamp: $TS" -H "X-Nonce: $NONCE" -H "X-Signature: $SIG" --data-binary "$BODY"`]);
    assert.deepStrictEqual(statuses(out), [200, 401], out);
    assert.match(out, /"order":\{"amount":10,"currency":"EUR"\}/);
    assert.match(out, /AUTH_010/);
    assert.match(await run('python3', ['-c', strictPython]), /"ok":true/);
    assert.deepStrictEqual(statuses(await run('bash', ['-c', kindlyCurl])), [200]);
    // The guide's class (test/fixtures/kindly_client.py) with the comment's calls, `requests` swapped for urllib.
    const client = fs.readFileSync(path.join(__dirname, '../fixtures/kindly_client.py'), 'utf8').replace(/\nif __name__ == '__main__':\n    main\(\)\n?$/, '\n');
    const calls = kindlyPython.replace(/requests\.post\(([^,]+), json=body, headers=headers\)/, "print(json.dumps(send('http://" + base + "', 'POST', '/demo/kindly/orders', {**headers, 'Content-Type': 'application/json'}, json.dumps(body).encode())))");
    const result = JSON.parse(await run('python3', ['-c', client + '\n' + calls]));
    assert.deepStrictEqual([result.status, result.body.auth.keyId], [200, 'kindly-test']);
  });

  it('Webhook receivers: Standard Webhooks (npm package), Stripe, GitHub, Kindly and generic commands are accepted once', async () => {
    const blocks = await deploy('10 Webhook receivers.json');
    const [, ...shell] = blocks; // the first block is JavaScript: run it here with the package
    const wh = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const id = 'msg_' + Date.now();
    const now = new Date();
    const body = '{"test": 2432232314}';
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': wh.sign(id, now, body) };
    for (const expected of [200, 401]) {
      const res = await fetch(`http://${base}/demo/hooks/standard`, { method: 'POST', body, headers });
      assert.strictEqual(res.status, expected);
    }
    assert.strictEqual(shell.length, 4);
    for (const script of shell) {
      const twice = script.replace(/(curl -i [^\n]*)$/, '$1\necho\n$1');
      assert.deepStrictEqual(statuses(await run('bash', ['-c', twice])), [200, 401], script);
    }
  });
});
