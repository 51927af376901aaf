/**
 * A flat record of a JSON-like value, to tell later whether it was edited in
 * place: each object's identity and enumerable keys (for…in, as readers of
 * `obj.field` see them), array lengths, Date times and primitive leaves, down
 * to `depth` levels (deeper objects by identity only). Matching walks the
 * value against the record without allocating: it runs on request paths.
 * Not seen: non-enumerable properties edited in place.
 */
export type Snapshot = unknown[];

const OPEN = Symbol('open');
const CLOSE = Symbol('close');

export function snapshotOf(value: unknown, depth: number, out: Snapshot = []): Snapshot {
  if (!value || typeof value !== 'object' || depth <= 0) {
    out.push(value);
    return out;
  }
  out.push(OPEN, value);
  if (Array.isArray(value)) {
    out.push(value.length);
    for (const element of value) snapshotOf(element, depth - 1, out);
  } else if (value instanceof Date) {
    out.push(value.getTime());
  } else {
    const fields = value as Record<string, unknown>;
    for (const key in fields) {
      out.push(key);
      snapshotOf(fields[key], depth - 1, out);
    }
  }
  out.push(CLOSE);
  return out;
}

/** snapshotOf(value, depth) would equal `snapshot`. */
export function snapshotMatches(snapshot: Snapshot, value: unknown, depth: number): boolean {
  return matchFrom(snapshot, 0, value, depth) === snapshot.length;
}

/** The position after `value` when it matches `snapshot` from `at`, else -1. */
function matchFrom(snapshot: Snapshot, at: number, value: unknown, depth: number): number {
  if (!value || typeof value !== 'object' || depth <= 0) return Object.is(snapshot[at], value) ? at + 1 : -1;
  if (snapshot[at] !== OPEN || snapshot[at + 1] !== value) return -1;
  let i = at + 2;
  if (Array.isArray(value)) {
    if (snapshot[i++] !== value.length) return -1;
    for (let j = 0; j < value.length && i >= 0; j++) i = matchFrom(snapshot, i, value[j], depth - 1);
  } else if (value instanceof Date) {
    if (!Object.is(snapshot[i++], value.getTime())) return -1;
  } else {
    const fields = value as Record<string, unknown>;
    for (const key in fields) {
      // Past the end, snapshot[i] is undefined and never equals a key.
      if (snapshot[i++] !== key) return -1;
      i = matchFrom(snapshot, i, fields[key], depth - 1);
      if (i < 0) return -1;
    }
  }
  return i >= 0 && snapshot[i] === CLOSE ? i + 1 : -1;
}
