/**
 * Caches a compile step (rule lists, key sets) by the values it compiles:
 * object identity for objects, equality for strings. A context value that is
 * replaced (flow.set, change node) compiles once on its next use. A value
 * edited in place recompiles at once when a top-level array's length
 * changes, and otherwise within RECHECK_MS: that often, the values are
 * compared with a flat copy taken at compile time (O(size), no compile).
 * So a deny rule pushed onto, or written over in, a context array applies
 * within a second, and the request path pays an identity check.
 */
export const RECHECK_MS = 1000;

export function memoByValue<T>(compile: (...raws: unknown[]) => T, now: () => number = Date.now): (...raws: unknown[]) => T {
  let last: { raws: unknown[]; lengths: number[]; flat: unknown[]; value: T; checkedAt: number } | undefined;
  return (...raws) => {
    if (last && sameShallow(last, raws)) {
      const t = now();
      if (t - last.checkedAt < RECHECK_MS) return last.value;
      if (flatMatches(last.flat, raws)) {
        last.checkedAt = t;
        return last.value;
      }
    }
    const value = compile(...raws);
    last = { raws, lengths: raws.map(lengthOf), flat: flatten(raws), value, checkedAt: now() };
    return value;
  };
}

/**
 * Calls `act` once per distinct value (identity for objects, equality for
 * strings): warnings about a credential list are logged when the list
 * changes, not on every request, which pays one identity comparison.
 */
export function oncePerValue(act: (raw: unknown) => void): (raw: unknown) => void {
  let seen: unknown = Symbol('none');
  return (raw) => {
    if (raw === seen) return;
    seen = raw;
    act(raw);
  };
}

const lengthOf = (raw: unknown) => (Array.isArray(raw) ? raw.length : -1);

function sameShallow(last: { raws: unknown[]; lengths: number[] }, raws: unknown[]): boolean {
  if (raws.length !== last.raws.length) return false;
  for (let i = 0; i < raws.length; i++) {
    if (raws[i] !== last.raws[i] || lengthOf(raws[i]) !== last.lengths[i]) return false;
  }
  return true;
}

// Deeper than any rule or key document; past it, identity stands for content.
const MAX_DEPTH = 8;
const OPEN = Symbol('open');
const CLOSE = Symbol('close');

/** A flat record of JSON-like values: every object's identity, keys (array lengths) and primitive leaves, bracketed. */
function flatten(values: unknown[]): unknown[] {
  const out: unknown[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (!value || typeof value !== 'object' || depth >= MAX_DEPTH) {
      out.push(value);
    } else if (Array.isArray(value)) {
      out.push(OPEN, value, value.length);
      for (const element of value) walk(element, depth + 1);
      out.push(CLOSE);
    } else {
      out.push(OPEN, value);
      for (const key of Object.keys(value)) {
        out.push(key);
        walk((value as Record<string, unknown>)[key], depth + 1);
      }
      out.push(CLOSE);
    }
  };
  for (const value of values) walk(value, 0);
  return out;
}

/** flatten(values) would equal `flat`: compared while walking, without building it. */
function flatMatches(flat: unknown[], values: unknown[]): boolean {
  let i = 0;
  const walk = (value: unknown, depth: number): boolean => {
    if (!value || typeof value !== 'object' || depth >= MAX_DEPTH) return Object.is(flat[i++], value);
    if (flat[i++] !== OPEN || flat[i++] !== value) return false;
    if (Array.isArray(value)) {
      if (flat[i++] !== value.length) return false;
      // Rule lists are long arrays of strings: compare leaves inline, recurse only into objects.
      for (let j = 0; j < value.length; j++) {
        const element: unknown = value[j];
        if (element !== null && typeof element === 'object' && depth + 1 < MAX_DEPTH) {
          if (!walk(element, depth + 1)) return false;
        } else if (!Object.is(flat[i++], element)) {
          return false;
        }
      }
    } else {
      for (const key of Object.keys(value)) {
        if (flat[i++] !== key || !walk((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
    }
    return flat[i++] === CLOSE;
  };
  for (const value of values) if (!walk(value, 0)) return false;
  return i === flat.length;
}
