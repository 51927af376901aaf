/**
 * O(1) lookups over a credential list that lives in Node-RED context (or an
 * env var, or a msg property) and can change at any time.
 *
 * The list is indexed once per distinct value (WeakMap on object identity,
 * last value for strings). Every hit re-checks that the raw entry it came from
 * is still in place and re-reads it, so a removed or changed credential is
 * refused on the very next request even when the list was edited in place.
 * Additions made in place are picked up when the array length changes, or by
 * a re-index on a miss at most once per second (bounded cost, no linear scan
 * per request). Replacing the value (flow.set / change node) applies at once.
 */
/**
 * warning: a non-fatal concern about the entry (e.g. plain-text password); never a secret.
 * weight: which entry `sample()` picks (the heaviest; e.g. the costliest password hash).
 */
export interface Indexed<E> { key: string; entry: E; warning?: string; weight?: number }
/** Turns one raw entry into its lookup key and normalised entry; throws Error on a bad entry. */
export type Normalizer<E> = (source: unknown, at: string | number) => Indexed<E>;

interface Slot { at: string | number; source: unknown }
interface Built {
  container: Record<string | number, unknown>;
  slots: Map<string, Slot>;
  length: number;
  builtAt: number;
  problems: string[];
  warnings: Set<string>;
  sample?: Slot & { weight: number };
}

export class LiveIndex<E> {
  private readonly byObject = new WeakMap<object, Built>();
  private lastString?: { raw: string; built: Built };

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

  /** The heaviest valid entry, first on ties (used to shape dummy work for unknown users). */
  sample(raw: unknown): E | undefined {
    const { sample } = this.built(raw);
    return sample && safeNormalize(this.normalize, sample.source, sample.at)?.entry;
  }

  find(raw: unknown, key: string): E | undefined {
    let built = this.built(raw);
    for (let attempt = 0; attempt < 2; attempt++) {
      const slot = built.slots.get(key);
      if (slot) {
        const live = built.container[slot.at];
        if (live === slot.source) {
          const current = safeNormalize(this.normalize, live, slot.at);
          if (current && current.key === key) return current.entry;
        }
      } else if (!this.mayHaveGrown(built)) {
        return undefined;
      }
      built = this.rebuild(raw);
    }
    return undefined;
  }

  private mayHaveGrown(built: Built): boolean {
    if (typeof built.container !== 'object' || this.lastString?.built === built) return false;
    if (Array.isArray(built.container) && built.container.length !== built.length) return true;
    return this.now() - built.builtAt >= 1000;
  }

  private built(raw: unknown): Built {
    if (typeof raw === 'string') {
      if (this.lastString?.raw === raw) return this.lastString.built;
    } else if (raw && typeof raw === 'object') {
      const hit = this.byObject.get(raw);
      if (hit) return hit;
    }
    return this.rebuild(raw);
  }

  private rebuild(raw: unknown): Built {
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
    const built: Built = {
      container: container as Record<string | number, unknown>,
      slots: new Map(),
      length: Array.isArray(container) ? container.length : 0,
      builtAt: this.now(),
      problems,
      warnings: new Set(),
    };
    const keys: Array<string | number> = Array.isArray(container) ? container.map((_, i) => i) : Object.keys(container as object);
    for (const at of keys) {
      const source = built.container[at];
      try {
        const { key, warning, weight = 0 } = this.normalize(source, at);
        if (warning) built.warnings.add(warning);
        if (built.slots.has(key)) throw new Error('duplicate entry');
        built.slots.set(key, { at, source });
        if (!built.sample || weight > built.sample.weight) built.sample = { at, source, weight };
      } catch (e) {
        problems.push(`entry ${typeof at === 'number' ? at + 1 : JSON.stringify(at)}: ${(e as Error).message}`);
      }
    }
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
