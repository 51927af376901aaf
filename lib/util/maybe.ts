/**
 * A value now, or a promise of it. Request paths stay synchronous while
 * every step can answer at once (node credentials, a cached verification, an
 * in-memory context store): each await costs a promise and a microtask turn,
 * and a cached check is cheap enough for those to matter (docs/BENCHMARKS.md).
 */
export type Maybe<T> = T | Promise<T>;

/** `next(value)` now when the value is here, else once it arrives. */
export function then<T, R>(value: Maybe<T>, next: (value: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Promise.all that stays synchronous when every value is already here. */
export function allOf<T extends readonly unknown[]>(values: { [K in keyof T]: Maybe<T[K]> }): Maybe<T> {
  return values.some((v) => v instanceof Promise) ? (Promise.all(values) as Promise<unknown> as Promise<T>) : (values as unknown as T);
}
