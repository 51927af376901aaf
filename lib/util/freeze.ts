/**
 * Freezes a JSON-like value and everything in it, so one object can be
 * handed to many requests (cached verification results, normalised list
 * entries) without one flow's edit reaching the next request. Objects in
 * `except` (and what is inside them) are left as they are: they belong to
 * someone else, such as the caller's credential list.
 */
export function deepFreeze<T>(value: T, except?: ReadonlySet<object>): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !except?.has(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v, except);
  }
  return value;
}
