'use strict';
/**
 * Security review: "a key's scopes never exceed its creator's" must hold for
 * rotation too — otherwise a user whose scopes were reduced keeps the old
 * ones forever by rotating (each rotation a fresh key with a fresh lifetime).
 */
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ApiKeyService, MemoryStore, AuthError } = require('../../../dist/lib/internal');

describe('API key rotation and the creator\'s scopes (security review)', () => {
  it('rotating with fewer scopes than the key holds is refused (400 AUTH_003); with enough, it works', async () => {
    const store = new MemoryStore();
    const keys = new ApiKeyService({ store, secret: crypto.randomBytes(32) });
    try {
      const { record } = await keys.create('alice', { scopes: ['read', 'admin'] }, { creatorScopes: ['read', 'admin'] });
      await assert.rejects(
        keys.rotate('alice', record.id, {}, { creatorScopes: ['read'] }),
        (e) => e instanceof AuthError && e.status === 400 && e.code === 'AUTH_003',
      );
      assert.equal((await keys.get('alice', record.id)).rotatedTo, undefined, 'nothing rotated');
      const rotated = await keys.rotate('alice', record.id, {}, { creatorScopes: ['read', 'admin'] });
      assert.deepEqual(rotated.record.scopes, ['read', 'admin']);
    } finally {
      await keys.close();
      store.close();
    }
  });
});
