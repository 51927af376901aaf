'use strict';
const net = require('net');

/** A TCP forwarder we can cut and restore, to simulate a backend outage. */
function tcpProxy(targetPort) {
  const sockets = new Set();
  let server;
  let port = 0;
  return {
    get port() { return port; },
    start() {
      return new Promise((resolve, reject) => {
        server = net.createServer((inbound) => {
          const outbound = net.connect(targetPort, '127.0.0.1');
          for (const s of [inbound, outbound]) {
            sockets.add(s);
            s.on('error', () => {});
            s.on('close', () => { inbound.destroy(); outbound.destroy(); sockets.delete(s); });
          }
          inbound.pipe(outbound);
          outbound.pipe(inbound);
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
