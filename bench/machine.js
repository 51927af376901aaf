'use strict';
// What the numbers were measured on, and how busy the machine was meanwhile.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { root } = require('../scripts/node-red-instance');

function machineInfo() {
  const cpus = os.cpus();
  const version = (pkg) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    nodeRed: version('node-red'),
    autocannon: version('autocannon'),
    date: new Date().toISOString(),
  };
}

/** Whole-machine busy jiffies and total jiffies from /proc/stat. */
function cpuTimes() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] || 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** CPU jiffies (user + system) a process has used so far, 0 once it is gone. */
function processJiffies(pid) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

/**
 * Measures how much CPU processes other than ours (the bench and its Node-RED
 * children) used between start() and stop(): the noise the ratios had to survive.
 */
function backgroundMeter(pids) {
  const selfJiffies = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e4; // µs → jiffies (USER_HZ = 100)
  };
  const ours = () => selfJiffies() + pids().reduce((a, p) => a + processJiffies(p), 0);
  let start;
  return {
    start() {
      start = { ...cpuTimes(), ours: ours() };
    },
    /** Average number of cores other processes kept busy. */
    stop() {
      const end = cpuTimes();
      const totalCores = (end.total - start.total) / os.cpus().length;
      const other = end.busy - start.busy - (ours() - start.ours);
      return totalCores > 0 ? Math.max(0, other / totalCores) : 0;
    },
  };
}

module.exports = { machineInfo, cpuTimes, processJiffies, backgroundMeter };
