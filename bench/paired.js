'use strict';
// Added cost per request, measured as a difference: one keep-alive
// connection alternates bare and scenario requests (b, x, b, x, …), so each
// pair sees the same machine state and the median of (x - b) is the time the
// scenario adds to one request — stable even when the machine is busy, where
// req/s from separate runs is not.
const http = require('http');
const { median } = require('./interleave');

function timedGet(agent, port, path, headers) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        const us = Number(process.hrtime.bigint() - start) / 1000;
        if (res.statusCode >= 400) reject(new Error(`GET ${path} answered ${res.statusCode}`));
        else resolve(us);
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/**
 * @param bare / target  { port, path, headers }
 * @param pairs          number of (bare, target) pairs; the order inside a pair alternates
 * @returns { addedUs, bareUs, targetUs } medians in microseconds
 */
async function pairedLatency(bare, target, pairs) {
  const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: true, maxSockets: 1 })];
  // Separate connections, so the target instance may be another process.
  const one = (which, i) => timedGet(agents[which], which ? target.port : bare.port, which ? target.path : bare.path, which ? target.headers : bare.headers);
  try {
    for (let i = 0; i < 50; i++) await one(i & 1, i); // warm both connections
    const diffs = [];
    const bs = [];
    const xs = [];
    for (let i = 0; i < pairs; i++) {
      let b;
      let x;
      if (i & 1) {
        x = await one(1);
        b = await one(0);
      } else {
        b = await one(0);
        x = await one(1);
      }
      diffs.push(x - b);
      bs.push(b);
      xs.push(x);
    }
    return { addedUs: median(diffs), bareUs: median(bs), targetUs: median(xs), pairs };
  } finally {
    for (const a of agents) a.destroy();
  }
}

module.exports = { pairedLatency };
