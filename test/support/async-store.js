'use strict';
// A context store that, like many remote ones, refuses synchronous access
// (Node-RED's store contract: it throws) and answers through callbacks on a
// later turn. `failReads`: every read answers with an error (a store outage).
function asyncOnlyStore({ failReads = false } = {}) {
  const data = new Map();
  const later = (cb, ...args) => setImmediate(() => cb(...args));
  return {
    open: async () => {}, close: async () => {}, clean: async () => {}, delete: async (scope) => { data.delete(scope); },
    get(scope, key, cb) {
      if (typeof cb !== 'function') throw new Error('this store only supports asynchronous access');
      if (failReads) later(cb, new Error('store unreachable'));
      else later(cb, null, (data.get(scope) || {})[key]);
    },
    set(scope, key, value, cb) {
      if (typeof cb !== 'function') throw new Error('this store only supports asynchronous access');
      data.set(scope, { ...(data.get(scope) || {}), [key]: value });
      later(cb, null);
    },
    keys(scope, cb) { later(cb, null, Object.keys(data.get(scope) || {})); },
  };
}

module.exports = { asyncOnlyStore };
