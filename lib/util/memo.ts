import { Snapshot, snapshotOf, snapshotMatches } from './snapshot';

/**
 * Caches a compile step (rule lists, key sets) by the values it compiles:
 * object identity for objects, equality for strings. A context value that is
 * replaced (flow.set, change node) compiles once on its next use. A value
 * edited in place recompiles at once when a top-level array's length
 * changes, and otherwise within RECHECK_MS: that often, the values are
 * compared with a snapshot taken at compile time (O(size), no compile).
 * So a deny rule pushed onto, or written over in, a context array applies
 * within a second, and the request path pays an identity check.
 */
export const RECHECK_MS = 1000;

export function memoByValue<T>(compile: (...raws: unknown[]) => T, now: () => number = Date.now): (...raws: unknown[]) => T {
  let last: { raws: unknown[]; lengths: number[]; snapshots: Snapshot[]; value: T; checkedAt: number } | undefined;
  return (...raws) => {
    if (last && sameShallow(last, raws)) {
      const t = now();
      if (t - last.checkedAt < RECHECK_MS) return last.value;
      const seen = last.snapshots;
      if (raws.every((raw, k) => snapshotMatches(seen[k], raw, SNAPSHOT_DEPTH))) {
        last.checkedAt = t;
        return last.value;
      }
    }
    const value = compile(...raws);
    last = { raws, lengths: raws.map(lengthOf), snapshots: raws.map((raw) => snapshotOf(raw, SNAPSHOT_DEPTH)), value, checkedAt: now() };
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
const SNAPSHOT_DEPTH = 8;
