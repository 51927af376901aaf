/**
 * Signing keys that rotate without a restart (issue 12), shared by every
 * instance on the store. Each key moves next → active → retiring → gone:
 *  - `next` is published (JWKS, and our own verifiers) a whole rotation
 *    period before it signs — far longer than any verifier caches a JWKS —
 *    so a token it signs verifies everywhere as soon as it is used;
 *  - `active` signs;
 *  - `retiring` stopped signing and stays published until the last token
 *    it signed has expired (its retirement + the longest token lifetime +
 *    leeway), then it is gone.
 * The keys live in the store under the issuer's tag, the private halves
 * sealed with the issuer's data key (AES-256-GCM, the key id as associated
 * data): never in plain text. One instance rotates at a time (a lock in the
 * store); the others pick the new state up on their next refresh, or at
 * once when they meet a kid they do not know yet.
 */
import { EventEmitter } from 'events';
import { createPrivateKey, createPublicKey, generateKeyPair, KeyObject, randomBytes } from 'crypto';
import { promisify } from 'util';
import type { Store } from '../store/store';
import { tokenKeys, TokenKeys } from '../store/keys';
import type { DataKey } from '../crypto/data-key';
import { BoundKey, BoundSigningKey, JwsAlg, bindKeyObject } from '../jwt/keys';
import type { KeyResolver } from '../jwt/verify';
import { jwkThumbprintOf } from '../jwt/jwk';

export type KeyState = 'next' | 'active' | 'retiring';
export type RotatingAlg = 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256';
export const ROTATING_ALGS: readonly RotatingAlg[] = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'];

export interface KeyRingOptions {
  store: Store;
  /** IssuerTags.tokens of the issuer whose keys these are. */
  issuerTag: string;
  /** Seals the private keys at rest. */
  dataKey: DataKey;
  alg?: RotatingAlg;
  /** How long a key signs, seconds; its successor is published this long before. Default 30 days. */
  rotateEverySec?: number;
  /** The longest lifetime of a token these keys sign, seconds: a retiring key stays published this long (+ leeway). */
  maxTokenTtlSec: number;
  /** Verifier leeway kept on top, seconds. Default 300 (lib/jwt MAX_LEEWAY_SEC). */
  leewaySec?: number;
  /** How often the state is re-read from the store, ms. Default 30 s. */
  refreshMs?: number;
  now?: () => number;
}

/** Published state, for node status and audit. Never key material. */
export interface KeyRingStatus {
  alg: RotatingAlg;
  active?: string;
  next?: string;
  retiring: string[];
  /** Epoch ms of the next scheduled rotation. */
  rotatesAt?: number;
}

interface StoredKey {
  kid: string;
  alg: RotatingAlg;
  state: KeyState;
  created: number;
  /** active: when it hands over to next. retiring: when it is gone. */
  until?: number;
  sealed: string;
}

interface StoredRing {
  v: 1;
  isr: string;
  keys: StoredKey[];
}

interface LiveKey {
  stored: StoredKey;
  sign: BoundSigningKey;
  verify: BoundKey;
}

/** Least rotation period: long enough for every JWKS cache (ours: 5 min; jose, IdP libraries: 10 min) to pick up `next`. */
export const MIN_ROTATE_EVERY_SEC = 3600;
const LOCK_MS = 15_000;
const UNKNOWN_KID_RELOAD_MS = 2000;

const generate = promisify(generateKeyPair) as unknown as (type: string, opts: object) => Promise<{ privateKey: KeyObject }>;

export class KeyRing extends EventEmitter implements KeyResolver {
  readonly alg: RotatingAlg;
  private readonly keys: TokenKeys;
  private readonly rotateEveryMs: number;
  private readonly retainMs: number;
  private readonly refreshMs: number;
  private readonly now: () => number;
  private readonly owner = randomBytes(9).toString('base64url');
  private live = new Map<string, LiveKey>();
  private lastRaw?: string;
  private loading?: Promise<void>;
  private lastReload = -Infinity;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: KeyRingOptions) {
    super();
    this.alg = opts.alg ?? 'ES256';
    if (!ROTATING_ALGS.includes(this.alg)) throw new Error(`key rotation: alg must be one of ${ROTATING_ALGS.join(', ')}`);
    this.keys = tokenKeys(opts.issuerTag);
    const every = opts.rotateEverySec ?? 30 * 86_400;
    if (!Number.isInteger(every) || every < MIN_ROTATE_EVERY_SEC) throw new Error(`key rotation: the period must be at least ${MIN_ROTATE_EVERY_SEC} s (verifiers cache a JWKS)`);
    if (!Number.isInteger(opts.maxTokenTtlSec) || opts.maxTokenTtlSec <= 0) throw new Error('key rotation: maxTokenTtlSec must be > 0');
    this.rotateEveryMs = every * 1000;
    this.retainMs = (opts.maxTokenTtlSec + (opts.leewaySec ?? 300)) * 1000;
    this.refreshMs = opts.refreshMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  /** Loads (or creates) the keys and starts the refresh timer. Idempotent. */
  async start(): Promise<void> {
    await this.refresh();
    if (!this.timer && this.refreshMs > 0) {
      // 'failure', not 'error': an EventEmitter without an 'error' listener would throw (and crash Node-RED).
      this.timer = setInterval(() => void this.refresh().catch((e) => this.emit('failure', e)), this.refreshMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The key that signs now. */
  async signingKey(): Promise<BoundSigningKey> {
    if (!this.live.size) await this.refresh();
    const active = [...this.live.values()].find((k) => k.stored.state === 'active');
    if (!active) throw new Error('key rotation: no active signing key');
    return active.sign;
  }

  /** KeyResolver: a published key by kid; an unknown kid re-reads the store (rate-limited), as a rotation elsewhere may have made it. */
  async resolve(kid: string | undefined, alg: JwsAlg): Promise<BoundKey | undefined> {
    if (kid === undefined) return undefined; // every key here has a kid: a kid-less token is not ours
    let hit = this.live.get(kid);
    if (!hit && this.now() - this.lastReload > UNKNOWN_KID_RELOAD_MS) {
      this.lastReload = this.now();
      await this.refresh();
      hit = this.live.get(kid);
    }
    // A token signed by what this instance still calls `next`: another instance rotated. Re-read now
    // (in the background) rather than at the next refresh, so this one stops signing with the old key too.
    if (hit?.stored.state === 'next' && this.now() - this.lastReload > UNKNOWN_KID_RELOAD_MS) {
      this.lastReload = this.now();
      void this.refresh().catch((e) => this.emit('failure', e));
    }
    return hit && hit.verify.alg === alg ? hit.verify : undefined;
  }

  /** Every published key: next, active, retiring. */
  published(): BoundKey[] {
    return [...this.live.values()].map((k) => k.verify);
  }

  status(): KeyRingStatus {
    const all = [...this.live.values()].map((k) => k.stored);
    const active = all.find((k) => k.state === 'active');
    return {
      alg: this.alg, active: active?.kid, next: all.find((k) => k.state === 'next')?.kid,
      retiring: all.filter((k) => k.state === 'retiring').map((k) => k.kid), rotatesAt: active?.until,
    };
  }

  /** Re-reads the store; creates the first keys, and rotates when due (one instance at a time). */
  refresh(): Promise<void> {
    return (this.loading ??= this.load().finally(() => (this.loading = undefined)));
  }

  /** Rotates now, whatever the schedule (e.g. a suspected key leak): next signs, active retires, a new next is made. */
  async rotateNow(): Promise<KeyRingStatus> {
    await this.refresh();
    await this.withLock(async (ring) => this.rotate(ring, true));
    return this.status();
  }

  private async load(): Promise<void> {
    let raw = await this.opts.store.get(this.keys.signingKeys());
    if (raw === undefined) {
      const first: StoredRing = { v: 1, isr: this.opts.issuerTag, keys: [await this.newKey('active'), await this.newKey('next')] };
      first.keys[0].until = this.now() + this.rotateEveryMs;
      // Two instances starting together: the first write wins, the other reads it.
      if (await this.opts.store.setIfAbsent(this.keys.signingKeys(), JSON.stringify(first))) {
        this.announce('signing keys created', first);
      }
      raw = await this.opts.store.get(this.keys.signingKeys());
      if (raw === undefined) throw new Error('key rotation: the key record vanished from the store');
    }
    this.adopt(raw);
    const ring = this.parse(raw);
    if (this.due(ring)) await this.withLock(async (fresh) => (this.due(fresh) ? this.rotate(fresh, false) : undefined));
  }

  /** A rotation or a cleanup is due. */
  private due(ring: StoredRing): boolean {
    const now = this.now();
    return ring.keys.some((k) => (k.state === 'active' && (k.until ?? Infinity) <= now) || (k.state === 'retiring' && (k.until ?? 0) <= now));
  }

  private async rotate(ring: StoredRing, manual: boolean): Promise<StoredRing> {
    const now = this.now();
    const active = ring.keys.find((k) => k.state === 'active');
    const next = ring.keys.find((k) => k.state === 'next');
    let keys = ring.keys.filter((k) => !(k.state === 'retiring' && (k.until ?? 0) <= now));
    let what = 'retired keys removed';
    if (active && next && (manual || (active.until ?? Infinity) <= now)) {
      keys = keys.filter((k) => k !== active && k !== next);
      keys.push({ ...active, state: 'retiring', until: now + this.retainMs });
      keys.push({ ...next, state: 'active', until: now + this.rotateEveryMs });
      keys.push(await this.newKey('next'));
      what = `${manual ? 'rotated by hand' : 'rotated on schedule'}: ${next.kid} signs, ${active.kid} retiring until ${new Date(now + this.retainMs).toISOString()}`;
    }
    const out: StoredRing = { v: 1, isr: this.opts.issuerTag, keys };
    this.announce(what, out);
    return out;
  }

  /** Runs `change` on the freshest state under the store lock; writes its result with compare-and-set. */
  private async withLock(change: (ring: StoredRing) => Promise<StoredRing | undefined>): Promise<void> {
    const lock = this.keys.signingKeysLock();
    if (!(await this.opts.store.setIfAbsent(lock, this.owner, LOCK_MS))) return; // another instance is rotating
    try {
      const raw = await this.opts.store.get(this.keys.signingKeys());
      if (raw === undefined) return;
      const result = await change(this.parse(raw));
      if (!result) return;
      const text = JSON.stringify(result);
      if (await this.opts.store.compareAndSet(this.keys.signingKeys(), raw, text)) this.adopt(text);
    } finally {
      // Released only if still ours (it expires on its own otherwise; a rotation takes far less than LOCK_MS).
      if ((await this.opts.store.get(lock).catch(() => undefined)) === this.owner) await this.opts.store.delete(lock).catch(() => undefined);
    }
  }

  private async newKey(state: KeyState): Promise<StoredKey> {
    const { privateKey } = await generate(...keyParams(this.alg));
    const kid = await jwkThumbprintOf(bindKeyObject(createPublicKey(privateKey), this.alg, undefined, 'verify'));
    const sealed = this.opts.dataKey.seal(privateKey.export({ format: 'der', type: 'pkcs8' }) as Buffer, this.context(kid));
    return { kid, alg: this.alg, state, created: this.now(), sealed };
  }

  /** Makes `raw` the live state (keys opened once per kid). */
  private adopt(raw: string): void {
    if (raw === this.lastRaw) return;
    const ring = this.parse(raw);
    const live = new Map<string, LiveKey>();
    for (const stored of ring.keys) {
      const known = this.live.get(stored.kid);
      if (known) {
        live.set(stored.kid, { ...known, stored });
        continue;
      }
      const der = this.opts.dataKey.open(stored.sealed, this.context(stored.kid));
      if (!der) throw new Error(`key rotation: key ${stored.kid} does not open with this issuer's data key`);
      const priv = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      live.set(stored.kid, {
        stored,
        sign: bindKeyObject(priv, stored.alg, stored.kid, 'sign'),
        verify: bindKeyObject(createPublicKey(priv), stored.alg, stored.kid, 'verify'),
      });
    }
    const before = this.status();
    this.live = live;
    this.lastRaw = raw;
    const after = this.status();
    if (before.active !== after.active || before.next !== after.next || before.retiring.join() !== after.retiring.join()) this.emit('status', after);
  }

  private parse(raw: string): StoredRing {
    let ring: StoredRing;
    try {
      ring = JSON.parse(raw);
    } catch {
      throw new Error('key rotation: the key record is not JSON');
    }
    // Bound to the issuer (docs/THREAT-MODEL.md): a record copied under another issuer's key is refused.
    if (ring?.v !== 1 || ring.isr !== this.opts.issuerTag || !Array.isArray(ring.keys)) throw new Error('key rotation: the key record is not this issuer\'s');
    return ring;
  }

  private context(kid: string): string {
    return `authflow signing key ${this.opts.issuerTag} ${kid}`;
  }

  private announce(what: string, ring: StoredRing): void {
    this.emit('rotation', { reason: what, keys: ring.keys.map((k) => ({ kid: k.kid, state: k.state, until: k.until })) });
  }
}

function keyParams(alg: RotatingAlg): [string, object] {
  switch (alg) {
    case 'ES256': return ['ec', { namedCurve: 'P-256' }];
    case 'ES384': return ['ec', { namedCurve: 'P-384' }];
    case 'EdDSA': return ['ed25519', {}];
    case 'RS256': case 'PS256': return ['rsa', { modulusLength: 2048 }];
  }
}
