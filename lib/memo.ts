/**
 * Caches a compile step (rule lists, key sets) by the value it compiles:
 * object identity for objects, equality for strings. A context value that is
 * replaced (flow.set, change node) compiles once on its next use; an array
 * edited in place recompiles when its length changes.
 */
export function memoByValue<T>(compile: (raw: unknown) => T): (raw: unknown) => T {
  let last: { raw: unknown; length: number; value: T } | undefined;
  return (raw) => {
    const length = Array.isArray(raw) ? raw.length : -1;
    if (last && last.raw === raw && last.length === length) return last.value;
    const value = compile(raw);
    last = { raw, length, value };
    return value;
  };
}
