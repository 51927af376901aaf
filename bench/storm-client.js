'use strict';
// The storm client runs in its own process so its work does not delay the
// latency probe in run.js. Input: one JSON argument; output: one JSON line.
//   { port, path, seconds, connections, username, style: 'basic' | 'json' }
// style 'basic': GET with Authorization: Basic user:wrong-<n>;
// style 'json':  POST {"username": user, "password": "wrong-<n>"} (a login endpoint).
const autocannon = require('autocannon');

const cfg = JSON.parse(process.argv[2]);
let n = 0;
const instance = autocannon({
  url: `http://127.0.0.1:${cfg.port}${cfg.path}`,
  connections: cfg.connections,
  duration: cfg.seconds,
  timeout: 30,
  requests: [{
    setupRequest: (req) => {
      // A different wrong password every time: failures are never cached, each one is a full hash.
      const password = `wrong-${n++}`;
      if (cfg.style === 'json') {
        req.method = 'POST';
        req.headers = { ...req.headers, 'content-type': 'application/json' };
        req.body = JSON.stringify({ username: cfg.username, password });
      } else {
        req.headers = { ...req.headers, authorization: 'Basic ' + Buffer.from(`${cfg.username}:${password}`).toString('base64') };
      }
      return req;
    },
  }],
});
// run.js ends the storm with SIGTERM once its probe is done; the result is still printed.
process.on('SIGTERM', () => instance.stop());
// If run.js dies without stopping us (SIGKILL), we are re-parented: stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
instance.then((r) => {
  const statuses = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats || {})) statuses[code] = count;
  process.stdout.write(JSON.stringify({ total: r.requests.total, rps: r.requests.total / r.duration, statuses, errors: r.errors + r.timeouts }) + '\n');
});
