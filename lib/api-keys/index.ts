/** API keys with a lifecycle (issue 13): grammar, hashing at rest, stores, verification. */
export { mintApiKey, parseApiKey, crc32, base62Checksum, checkKeyPrefix, KEY_ENVS, KeyEnv, MintedKey, ParsedKey } from './format';
export { KeyHasher, MIN_SECRET_BYTES } from './key-hash';
export { ApiKeyRecord, RequestFieldError, publicView, keyState, scopesCover, KeyState } from './record';
export { KeyRepository, RETENTION_MS } from './repository';
export { KvKeyRepository } from './kv-repository';
export { PgKeyRepository, DEFAULT_KEY_TABLE } from './pg-repository';
export { ApiKeyService, ApiKeyServiceOptions, CreatedKey, VerifiedKey, CreateOptions, SigningApiKey, SIGNING_SECRET_PREFIX } from './service';
export { apiKeySigningKeys } from './signing';
export { keyManager, KeyManagedByKeyError } from './key-manager';
export { apiKeyStoreCheck, apiKeyResponseHeaders, KeyStoreCheckOptions } from './store-check';
