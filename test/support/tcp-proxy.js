'use strict';
const net = require('net');

/**
 * A TCP forwarder we can cut and restore, to simulate a backend outage, and
 * slow down: `delayMs` (settable at any time) holds every chunk, in both
 * directions, that long before forwarding it, keeping the byte order.
 */
function tcpProxy(targetPort, { delayMs = 0 } = {}) {
  const sockets = new Set();
  let server;
  let port = 0;
  let delay = delayMs;

  /** Forwards from → to, each chunk `delay` ms late; never earlier than the chunk before it. */
  function forward(from, to) {
    let lastDue = 0;
    from.on('data', (chunk) => {
      if (!delay && !lastDue) return void to.write(chunk);
      const due = Math.max(Date.now() + delay, lastDue);
      lastDue = due;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
        if (lastDue === due) lastDue = 0;
      }, due - Date.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastDue - Date.now())));
  }

  return {
    get port() { return port; },
    get delayMs() { return delay; },
    set delayMs(ms) { delay = ms; },
    start() {
      return new Promise((resolve, reject) => {
        server = net.createServer((inbound) => {
          const outbound = net.connect(targetPort, '127.0.0.1');
          for (const s of [inbound, outbound]) {
            sockets.add(s);
            s.on('error', () => {});
            s.on('close', () => { inbound.destroy(); outbound.destroy(); sockets.delete(s); });
          }
          forward(inbound, outbound);
          forward(outbound, inbound);
        });
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => { port = server.address().port; resolve(port); });
      });
    },
    stop() {
      return new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      });
    },
  };
}

module.exports = { tcpProxy };
