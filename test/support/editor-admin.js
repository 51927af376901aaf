'use strict';
// A real Node-RED process whose admin API is behind adminAuth (or open), for
// the sidebar tests (test/e2e/audit-sidebar, oauth-clients-sidebar): start it,
// log in as its editor users, call it over plain HTTP.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const bcrypt = require('bcryptjs');
const { startNodeRed, freePort } = require('./node-red-process');
const { prepareUserDir } = require('../../scripts/node-red-instance');
const { launchBrowser } = require('./browser');

/** The editor users' passwords: admin holds every permission, reader only 'read'. */
const EDITOR_PASSWORDS = { admin: 'admin-pw-1', reader: 'reader-pw-1' };

/** adminAuth settings for the editor users above (passwords bcrypt-hashed, as Node-RED expects). */
const editorAdminAuth = () => ({
  type: 'credentials',
  users: [
    { username: 'admin', password: bcrypt.hashSync(EDITOR_PASSWORDS.admin, 4), permissions: '*' },
    { username: 'reader', password: bcrypt.hashSync(EDITOR_PASSWORDS.reader, 4), permissions: 'read' },
  ],
});

/**
 * Node-RED on a free port in a fresh userDir (named after `dirPrefix`) running `flows(port)` with
 * `creds`; `adminAuth` when given (then ready once /auth/login answers). Resolves { port, red, userDir }.
 */
async function startEditorInstance({ dirPrefix, flows, creds, adminAuth }) {
  const port = await freePort();
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), `${dirPrefix}-`));
  const settings = adminAuth ? `adminAuth: ${JSON.stringify(adminAuth)},` : '';
  prepareUserDir(userDir, { port, flows: flows(port), creds, settings });
  const red = await startNodeRed(userDir, port, adminAuth ? { readyPath: '/auth/login' } : {});
  return { port, red, userDir };
}

/** One request: an object body goes as JSON, a string as a form; resolves { status, headers, text, body (parsed JSON) }. */
function request(port, method, urlPath, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const type = typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: { ...(data ? { 'Content-Type': type } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, body: json });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** An editor user's bearer header from Node-RED's own token endpoint (scope '*' for admin, 'read' otherwise). */
async function editorLogin(port, username) {
  const scope = username === 'admin' ? '*' : 'read';
  const res = await request(port, 'POST', '/auth/token', { body: { client_id: 'node-red-admin', grant_type: 'password', scope, username, password: EDITOR_PASSWORDS[username] } });
  assert.equal(res.status, 200, res.text);
  return { Authorization: `Bearer ${res.body.access_token}` };
}

/** Chromium on the editor at `port`, once the "auth" sidebar tab is registered and node `nodeId` is drawn (flows loaded). */
async function openSidebarEditor(port, nodeId) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    // Node-RED 4.1 and 5 draw sidebar tabs differently; both answer containsTab.
    await page.waitForFunction(() => { try { return RED.sidebar.containsTab('authflow-auth'); } catch { return false; } }, null, { timeout: 60000 });
    await page.waitForSelector(`[id="${nodeId}"]`, { timeout: 60000 }); // the editor has picked its first sidebar tab
    return { browser, page };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Polls fn every 100 ms until it returns something truthy; fails naming `what` after `ms`. */
async function until(fn, what, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

module.exports = { EDITOR_PASSWORDS, editorAdminAuth, startEditorInstance, request, editorLogin, openSidebarEditor, until };
