'use strict';
// A fixed-rate (open-loop) latency probe with microsecond resolution:
// requests are scheduled every 1/rate seconds whether or not earlier ones
// have answered, and latency counts from the scheduled time, so a stalled
// server cannot hide its stall (no coordinated omission).
const http = require('http');
const { median } = require('./interleave');

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

async function fixedRateLatency({ port, path, headers = {}, rate, seconds, timeoutMs = 10000 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const period = 1e9 / rate; // ns
  const count = Math.round(rate * seconds);
  const start = process.hrtime.bigint();
  const latencies = [];
  const statuses = {};
  let errors = 0;
  const open = new Set();
  // Hard bound: whatever has not answered timeoutMs after the last scheduled send is an error.
  const deadline = setTimeout(() => {
    for (const req of open) req.destroy(new Error('deadline'));
  }, seconds * 1000 + timeoutMs);
  const one = (i) => new Promise((resolve) => {
    // From the scheduled time (a late send counts its lateness), or from the send when it went out early.
    const scheduled = start + BigInt(Math.round(i * period));
    const sentAt = process.hrtime.bigint();
    const from = sentAt < scheduled ? sentAt : scheduled;
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        open.delete(req);
        statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1;
        latencies.push(Number(process.hrtime.bigint() - from) / 1e6);
        resolve();
      });
    });
    open.add(req);
    req.on('error', () => {
      open.delete(req);
      errors++;
      resolve();
    });
  });
  const pending = [];
  for (let i = 0; i < count; i++) {
    const due = start + BigInt(Math.round(i * period));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(i));
  }
  await Promise.all(pending);
  clearTimeout(deadline);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  // Unanswered requests waited at least until the deadline: count them in the tail as such.
  const waited = seconds * 1000 + timeoutMs;
  for (let i = 0; i < errors; i++) latencies.push(waited);
  return {
    count, errors, statuses,
    p50: median(sorted), p99: percentile(sorted, 99), max: sorted[sorted.length - 1],
  };
}

module.exports = { fixedRateLatency };
