import { Snapshot, snapshotOf, snapshotMatches } from '../util/snapshot';
import { deepFreeze } from '../util/freeze';

/**
 * O(1) lookups over a credential list that lives in Node-RED context (or an
 * env var, or a msg property) and can change at any time.
 *
 * The list is indexed once per distinct value (WeakMap on object identity,
 * last value for strings). Every hit checks that the raw entry it came from
 * is still in place and unchanged, so a removed or changed credential is
 * refused on the very next request even when the list was edited in place.
 * "Unchanged" is a snapshot of the raw entry compared per hit (lib/snapshot.ts);
 * only a changed snapshot re-runs the normaliser.
 *
 * Additions made in place are picked up when the array length changes, or
 * else by a re-index on a miss: an in-place addition that keeps the length
 * (arr[i] = newEntry, a new key in an object map, an entry whose key field
 * was edited) is found by the first lookup of its key made at least
 * max(1 s, 100 × the last index build's duration) after that build — e.g.
 * ~15 s for a list that takes 150 ms to index. So a flood of unknown keys
 * spends at most ~1% of the time re-indexing, and never scans per request.
 * Replacing the value (flow.set / change node) applies at once.
 */
/**
 * warning: a non-fatal concern about the entry (e.g. plain-text password); never a secret.
 * kind: entries of one kind are alike for `samples()` (e.g. one password-hash profile).
 */
export interface Indexed<E> { key: string; entry: E; warning?: string; kind?: string }
/**
 * Turns one raw entry into its lookup key and normalised entry; throws Error on a bad entry.
 * Must be a pure function of the entry's own fields (and the elements of array fields):
 * its result is reused while those are unchanged. Objects it creates for the entry are
 * frozen, as one entry is handed to many requests; objects it takes from the raw entry are not.
 */
export type Normalizer<E> = (source: unknown, at: string | number) => Indexed<E>;

/**
 * What normalisers read of an entry: its fields, and the elements of array
 * fields (scopes: ['a'] edited in place) — deeper objects by identity.
 */
const ENTRY_DEPTH = 2;

/** Minimum time between two re-indexes on a miss, and their budget as a multiple of one build. */
const MIN_REINDEX_INTERVAL_MS = 1000;
const REINDEX_INTERVAL_PER_BUILD_MS = 100;
/** Kinds sampled per list: a handful in practice; the bound keeps a hostile list from growing it. */
const MAX_SAMPLED_KINDS = 16;

/** The last normalised result of a slot, valid while its raw entry still matches `snapshot`. */
interface Normalized<E> { snapshot: Snapshot; result: Indexed<E> | undefined }
interface Slot<E> { at: string | number; source: unknown; normalized?: Normalized<E> }
interface Built<E> {
  container: Record<string | number, unknown>;
  slots: Map<string, Slot<E>>;
  length: number;
  /** When the build finished and how long it took (for the re-index budget). */
  builtAt: number;
  buildMs: number;
  problems: string[];
  warnings: Set<string>;
  /** The first slot of each kind. */
  samples: Map<string, Slot<E>>;
}

export class LiveIndex<E> {
  private readonly byObject = new WeakMap<object, Built<E>>();
  private lastString?: { raw: string; built: Built<E> };

  constructor(
    private readonly normalize: Normalizer<E>,
    private readonly parseText: (text: string) => unknown,
    private readonly now: () => number = Date.now,
  ) {}

  /** Problems of the current value's entries (shown at deploy / in status); never contains a secret. */
  problems(raw: unknown): string[] {
    return this.built(raw).problems;
  }

  /** Distinct non-fatal warnings about the current value's entries. */
  warnings(raw: unknown): string[] {
    return [...this.built(raw).warnings];
  }

  /** One valid entry of each kind, first seen first (used to shape dummy work for unknown users). */
  samples(raw: unknown): E[] {
    const found: E[] = [];
    for (const slot of this.built(raw).samples.values()) {
      const entry = this.current(slot)?.entry;
      if (entry !== undefined) found.push(entry);
    }
    return found;
  }

  find(raw: unknown, key: string): E | undefined {
    let built = this.built(raw);
    for (let attempt = 0; attempt < 2; attempt++) {
      const slot = built.slots.get(key);
      if (slot) {
        if (built.container[slot.at] === slot.source) {
          const current = this.current(slot);
          if (current && current.key === key) return current.entry;
        }
      } else if (!this.mayHaveGrown(built)) {
        return undefined;
      }
      built = this.rebuild(raw);
    }
    return undefined;
  }

  /** The slot's entry normalised, re-normalised only when its raw entry changed since last time. */
  private current(slot: Slot<E>): Indexed<E> | undefined {
    const known = slot.normalized;
    if (known && snapshotMatches(known.snapshot, slot.source, ENTRY_DEPTH)) return known.result;
    // Snapshot taken first: should normalising change the entry (a getter), the next hit re-normalises.
    const snapshot = snapshotOf(slot.source, ENTRY_DEPTH);
    const result = safeNormalize(this.normalize, slot.source, slot.at);
    // Frozen: one entry is handed to many requests. What came from the caller's list stays editable.
    if (result) deepFreeze(result.entry, reachableObjects(slot.source));
    slot.normalized = { snapshot, result };
    return result;
  }

  private mayHaveGrown(built: Built<E>): boolean {
    if (this.lastString?.built === built) return false;
    if (Array.isArray(built.container) && built.container.length !== built.length) return true;
    const interval = Math.max(MIN_REINDEX_INTERVAL_MS, REINDEX_INTERVAL_PER_BUILD_MS * built.buildMs);
    return this.now() - built.builtAt >= interval;
  }

  private built(raw: unknown): Built<E> {
    if (typeof raw === 'string') {
      if (this.lastString?.raw === raw) return this.lastString.built;
    } else if (raw && typeof raw === 'object') {
      const hit = this.byObject.get(raw);
      if (hit) return hit;
    }
    return this.rebuild(raw);
  }

  private rebuild(raw: unknown): Built<E> {
    const startedAt = this.now();
    let container: unknown = raw;
    const problems: string[] = [];
    if (typeof raw === 'string') {
      try {
        container = this.parseText(raw);
      } catch (e) {
        problems.push((e as Error).message);
        container = [];
      }
    } else if (raw === undefined || raw === null) {
      container = [];
    } else if (typeof raw !== 'object') {
      problems.push('credential list must be an array, an object or a string');
      container = [];
    }
    const built: Built<E> = {
      container: container as Record<string | number, unknown>,
      slots: new Map(),
      length: Array.isArray(container) ? container.length : 0,
      builtAt: startedAt,
      buildMs: 0,
      problems,
      warnings: new Set(),
      samples: new Map(),
    };
    const keys: Array<string | number> = Array.isArray(container) ? container.map((_, i) => i) : Object.keys(container as object);
    for (const at of keys) {
      const source = built.container[at];
      try {
        const { key, warning, kind } = this.normalize(source, at);
        if (warning) built.warnings.add(warning);
        if (built.slots.has(key)) throw new Error('duplicate entry');
        const slot: Slot<E> = { at, source };
        built.slots.set(key, slot);
        if (kind !== undefined && !built.samples.has(kind) && built.samples.size < MAX_SAMPLED_KINDS) built.samples.set(kind, slot);
      } catch (e) {
        problems.push(`entry ${typeof at === 'number' ? at + 1 : JSON.stringify(at)}: ${(e as Error).message}`);
      }
    }
    built.builtAt = this.now();
    built.buildMs = Math.max(0, built.builtAt - startedAt);
    if (typeof raw === 'string') this.lastString = { raw, built };
    else if (raw && typeof raw === 'object') this.byObject.set(raw, built);
    return built;
  }
}

function safeNormalize<E>(normalize: Normalizer<E>, source: unknown, at: string | number): Indexed<E> | undefined {
  try {
    return normalize(source, at);
  } catch {
    return undefined;
  }
}

/** Every object reachable from a raw entry: those belong to the caller's list and must stay editable. */
function reachableObjects(source: unknown, seen = new Set<object>()): Set<object> {
  if (source && typeof source === 'object' && !seen.has(source)) {
    seen.add(source);
    for (const value of Object.values(source)) reachableObjects(value, seen);
  }
  return seen;
}
