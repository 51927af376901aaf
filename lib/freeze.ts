/**
 * Freezes a JSON-like value and everything in it, so one object can be
 * handed to many requests (cached verification results) without one flow's
 * edit reaching the next request.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
