'use strict';
// Loaded inside the Node-RED process (settings.js functionGlobalContext.benchProbe)
// so bench-only routes can report what only the process itself knows:
// heap after a full GC, and how late its event loop runs.
const { monitorEventLoopDelay } = require('perf_hooks');

const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

module.exports = {
  /** Full GC (node --expose-gc), then memory figures in bytes. */
  memory() {
    if (typeof global.gc === 'function') global.gc();
    const m = process.memoryUsage();
    return { gc: typeof global.gc === 'function', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
  },
  /** Event-loop delay since the last call, in ms (p50/p99/max), then reset. */
  loopDelay() {
    const r = { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 };
    delay.reset();
    return r;
  },
};
