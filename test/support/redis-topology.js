'use strict';
/**
 * Real Redis topologies for tests, started from the machine's redis-server
 * on ports of their own (never 6379) in a temp dir, and always torn down:
 *
 *   startCluster()  — 3 masters + 3 replicas (`redis-cli --cluster create`)
 *   startSentinel() — 1 master, 1 replica, 3 sentinels (quorum 2)
 *   startServer()   — one plain server
 *
 * redis-server missing: requireRedisServer skips with a note, or fails
 * under CI=true (test/support/services.js).
 */
const { spawn, execFile, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');
const { serviceMissing } = require('./services');

const REDIS_SERVER = process.env.AUTHFLOW_REDIS_SERVER || '/usr/bin/redis-server';
const REDIS_CLI = process.env.AUTHFLOW_REDIS_CLI || '/usr/bin/redis-cli';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const live = new Set();

process.on('exit', () => { for (const child of live) try { child.kill('SIGKILL'); } catch { /* gone */ } });

function requireRedisServer(ctx) {
  try {
    execFileSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' });
    execFileSync(REDIS_CLI, ['--version'], { stdio: 'ignore' });
  } catch {
    serviceMissing(ctx, `${REDIS_SERVER} / ${REDIS_CLI} not found`);
  }
}

const portFree = (port) => new Promise((resolve) => {
  const srv = net.createServer().once('error', () => resolve(false));
  srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
});

/** A port in 20000–29999 whose cluster-bus twin (+10000) is free too; never 6379. */
async function freePortPair(taken) {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if (await portFree(port) && await portFree(port + 10000)) {
      taken.add(port); taken.add(port + 10000);
      return port;
    }
  }
  throw new Error('no free port pair for redis-server');
}

async function waitPing(port, deadlineMs = 10000) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
    c.on('error', () => {});
    try {
      await c.connect();
      if (await c.ping() === 'PONG') return;
    } catch { /* not up yet */ } finally { c.disconnect(); }
    if (Date.now() > end) throw new Error(`redis on ${port} did not answer PING`);
    await sleep(100);
  }
}

class Topology {
  constructor(kind) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `authflow-redis-${kind}-`));
    this.ports = new Set();
    this.procs = new Map(); // port -> child
  }

  /** Starts one redis-server (or sentinel) from a config file in the temp dir. */
  async spawnServer(port, lines, { sentinel = false } = {}) {
    const dir = path.join(this.dir, String(port));
    fs.mkdirSync(dir, { recursive: true });
    const conf = path.join(dir, 'redis.conf');
    fs.writeFileSync(conf, [
      `port ${port}`, 'bind 127.0.0.1', 'protected-mode no', `dir ${dir}`, 'save ""', 'appendonly no',
      'daemonize no', 'loglevel warning', `logfile ${path.join(dir, 'log.txt')}`, ...lines, '',
    ].join('\n'));
    const child = spawn(REDIS_SERVER, sentinel ? [conf, '--sentinel'] : [conf], { stdio: 'ignore' });
    live.add(child);
    child.once('exit', () => live.delete(child));
    this.procs.set(port, child);
    await waitPing(port);
    return port;
  }

  /** kill -9 one server (a crash, as a failover test wants). */
  kill(port) {
    const child = this.procs.get(port);
    if (child && child.exitCode === null) child.kill('SIGKILL');
  }

  /** SIGSTOP / SIGCONT one server: frozen, it keeps its connections but answers nothing (a stalled replica). */
  freeze(port) {
    this.procs.get(port)?.kill('SIGSTOP');
  }

  thaw(port) {
    this.procs.get(port)?.kill('SIGCONT');
  }

  async stop() {
    const exits = [];
    for (const child of this.procs.values()) {
      if (child.exitCode !== null || child.signalCode) continue;
      exits.push(new Promise((r) => child.once('exit', r)));
      child.kill('SIGKILL');
    }
    await Promise.all(exits);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 3 masters, `replicas` replicas each (default 1); resolves once every node says cluster_state:ok. */
async function startCluster({ replicas = 1 } = {}) {
  const topo = new Topology('cluster');
  try {
    const ports = [];
    for (let i = 0; i < 3 * (1 + replicas); i++) ports.push(await freePortPair(topo.ports));
    await Promise.all(ports.map((p) => topo.spawnServer(p, ['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 2000'])));
    await new Promise((resolve, reject) => execFile(REDIS_CLI,
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { timeout: 30000 }, (err, stdout, stderr) => (err ? reject(new Error(`cluster create: ${err.message}\n${stdout}${stderr}`)) : resolve())));
    const end = Date.now() + 20000;
    for (;;) {
      const states = await Promise.all(ports.map(async (port) => {
        const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
        c.on('error', () => {});
        try { return /cluster_state:ok/.test(await c.cluster('INFO')); } catch { return false; } finally { c.disconnect(); }
      }));
      if (states.every(Boolean)) break;
      if (Date.now() > end) throw new Error('cluster did not reach cluster_state:ok');
      await sleep(200);
    }
    topo.nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
    return topo;
  } catch (err) {
    await topo.stop();
    throw err;
  }
}

/**
 * 1 master, 1 replica, 3 sentinels (quorum 2, down after `downAfterMs`).
 * topo.sentinels is the ioredis `sentinels` list, topo.name the master group.
 */
async function startSentinel({ downAfterMs = 1000, name = 'authflowtest' } = {}) {
  const topo = new Topology('sentinel');
  try {
    const master = await freePortPair(topo.ports);
    const replica = await freePortPair(topo.ports);
    // No diskless-sync delay (5 s by default): the replica holds the data from the start.
    await topo.spawnServer(master, ['repl-diskless-sync-delay 0']);
    await topo.spawnServer(replica, [`replicaof 127.0.0.1 ${master}`]);
    const sentinelPorts = [];
    for (let i = 0; i < 3; i++) sentinelPorts.push(await freePortPair(topo.ports));
    await Promise.all(sentinelPorts.map((p) => topo.spawnServer(p, [
      `sentinel monitor ${name} 127.0.0.1 ${master} 2`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} 10000`,
      `sentinel parallel-syncs ${name} 1`,
    ], { sentinel: true })));
    // Ready when every sentinel knows the replica and its two peers.
    const end = Date.now() + 20000;
    for (;;) {
      const ok = await Promise.all(sentinelPorts.map(async (port) => {
        const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
        c.on('error', () => {});
        try {
          const info = await c.info('sentinel');
          return /slaves=1,sentinels=3/.test(info);
        } catch { return false; } finally { c.disconnect(); }
      }));
      if (ok.every(Boolean)) break;
      if (Date.now() > end) throw new Error('sentinels did not discover each other and the replica');
      await sleep(200);
    }
    // …and the replica has finished its first sync (a failover before that would promote an empty server).
    const linked = Date.now() + 20000;
    for (;;) {
      const c = new Redis({ port: replica, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {});
      const info = await c.info('replication').catch(() => '').finally(() => c.disconnect());
      if (/master_link_status:up/.test(info) && !/master_sync_in_progress:1/.test(info)) break;
      if (Date.now() > linked) throw new Error('the replica did not finish its first sync');
      await sleep(100);
    }
    Object.assign(topo, { name, master, replica, sentinelPorts, sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })) });
    return topo;
  } catch (err) {
    await topo.stop();
    throw err;
  }
}

/** One plain redis-server (topo.port, topo.url), e.g. to count its commands undisturbed. */
async function startServer() {
  const topo = new Topology('single');
  try {
    topo.port = await topo.spawnServer(await freePortPair(topo.ports), []);
    topo.url = `redis://127.0.0.1:${topo.port}`;
    return topo;
  } catch (err) {
    await topo.stop();
    throw err;
  }
}

/** The port of the current master, as the sentinels see it. */
async function currentMaster(topo) {
  const c = new Redis({ port: topo.sentinelPorts[0], host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => {});
  try {
    const [, port] = await c.call('SENTINEL', 'get-master-addr-by-name', topo.name);
    return Number(port);
  } finally {
    c.disconnect();
  }
}

module.exports = { requireRedisServer, startServer, startCluster, startSentinel, currentMaster };
