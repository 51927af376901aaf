'use strict';
// examples/14 Audit events.json, deployed as shipped: decisions made over
// real HTTP end up as JSON lines in the daily file (core `file` node), as
// ECS documents at the HTTP collector (core `http request` node, real
// HTTP), and a burst of refusals from one IP raises exactly one alert.
const assert = require('assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { helper, load, start, stop, getRED } = require('../support/flow-harness');
const { fromNodeRed } = require('../support/node-red-version');
const { auditModule } = require('../support/audit-node');
const { assertAuditEvent } = require('../support/audit-schema');

const FILE = path.join(__dirname, '../../examples/14 Audit events.json');
const core = (p) => require(fromNodeRed(`@node-red/nodes/core/${p}`));

async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('example 14: audit events to a file, a collector and an alert', function () {
  this.timeout(30000);
  let dir, server;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authflow-audit-example-'));
    process.env.AUTHFLOW_AUDIT_DIR = dir;
    await start();
  });
  after(async () => {
    delete process.env.AUTHFLOW_AUDIT_DIR;
    delete process.env.AUDIT_COLLECTOR_URL;
    fs.rmSync(dir, { recursive: true, force: true });
    await stop();
  });
  afterEach(async () => {
    if (server) await new Promise((r) => server.close(r));
    server = undefined;
    await helper.unload();
  });

  it('writes JSON lines, posts ECS documents, alerts once per IP at 10 refusals a minute', async () => {
    const nodes = JSON.parse(fs.readFileSync(FILE, 'utf8'));
    const credentials = {};
    const flow = nodes.map(({ credentials: c, ...n }) => {
      if (c) credentials[n.id] = c;
      return n;
    });
    const api = await load(['authflow-token'], flow, credentials, [auditModule, core('storage/10-file.js'), core('network/21-httprequest.js'), core('common/21-debug.js'), core('common/90-comment.js')]);
    // The collector route of the same flow, on a real port, for the http request node.
    server = http.createServer(getRED().httpNode).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    process.env.AUDIT_COLLECTOR_URL = `http://127.0.0.1:${server.address().port}/demo/collector`;
    const alerts = [];
    helper.getNode('af-ex-audit-alert').on('input', (m) => alerts.push(m.payload));

    await api.get('/demo/audited').set('x-auth-token', 'demo-token').expect(200);
    for (let i = 0; i < 12; i++) await api.get('/demo/audited').set('x-auth-token', `wrong-${i}`).expect(401);

    // 1. The daily file: one valid event per line, 13 lines.
    const file = path.join(dir, `authflow-audit-${new Date().toISOString().slice(0, 10)}.jsonl`);
    const lines = await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim().split('\n').length >= 13 && fs.readFileSync(file, 'utf8').trim().split('\n'), 'the JSON lines');
    assert.equal(lines.length, 13);
    const events = lines.map((l) => JSON.parse(l));
    events.forEach(assertAuditEvent);
    assert.deepEqual([events[0].outcome, events[1].outcome, events[1].code], ['allow', 'deny', 'AUTH_004']);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('demo-token') && !fs.readFileSync(file, 'utf8').includes('wrong-'));

    // 2. The collector got ECS documents over HTTP.
    const ctx = helper.getNode('af-ex-audit-col').context().flow;
    await until(() => ctx.get('collected') >= 13, 'the collector');
    const last = ctx.get('lastCollected');
    assert.deepEqual(last.event.category, ['authentication']);
    assert.equal(last.event.outcome, 'failure');
    assert.equal(last.url.path, '/demo/audited');

    // 3. One alert for the IP, at the 10th refusal.
    await until(() => alerts.length >= 1, 'the alert');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].ip, /127\.0\.0\.1|::1/);
    assert.deepEqual([alerts[0].failures, alerts[0].windowSec, alerts[0].lastCode], [10, 60, 'AUTH_004']);
  });
});
