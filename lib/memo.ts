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
