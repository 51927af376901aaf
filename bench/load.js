'use strict';
// One autocannon run against 127.0.0.1 (programmatic API), summarised.
const autocannon = require('autocannon');

const active = new Set();

/**
 * @param opts.port, opts.path, opts.headers
 * @param opts.seconds      duration (ignored when `amount` is set)
 * @param opts.amount       fixed number of requests
 * @param opts.connections  default 10
 * @param opts.rate         fixed overall request rate (latency runs); coordinated omission corrected
 * @param opts.setupRequest per-request mutation (distinct credentials)
 */
async function runLoad(opts) {
  const config = {
    url: `http://127.0.0.1:${opts.port}${opts.path}`,
    connections: opts.connections ?? 10,
    pipelining: 1,
    headers: opts.headers || {},
    method: opts.method || 'GET',
    body: opts.body,
    timeout: 10,
  };
  if (opts.amount) config.amount = opts.amount;
  else config.duration = opts.seconds;
  if (opts.rate) config.overallRate = opts.rate;
  if (opts.setupRequest) config.requests = [{ setupRequest: opts.setupRequest }];
  const instance = autocannon(config);
  active.add(instance);
  let result;
  try {
    result = await instance;
  } finally {
    active.delete(instance);
  }
  const seconds = result.duration || opts.seconds;
  const statuses = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats || {})) statuses[code] = count;
  return {
    rps: result.requests.total / seconds,
    total: result.requests.total,
    seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    statuses,
  };
}

/** Stops every load generator still running (Ctrl-C / error). */
function stopAllLoad() {
  for (const instance of active) instance.stop();
  active.clear();
}

module.exports = { runLoad, stopAllLoad };
