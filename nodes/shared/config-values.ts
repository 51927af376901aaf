/**
 * Reading the text fields of a node's editor dialog. Empty means "use the
 * default"; anything else that does not fit is a configuration error
 * (thrown, so the node fails closed at deploy).
 */

/** Space- or comma-separated values; undefined when there are none. */
export function list(v: string | undefined): string[] | undefined {
  const items = (v ?? '').split(/[\s,]+/).filter(Boolean);
  return items.length ? items : undefined;
}

/** What a number field accepts. */
export type NumberKind = 'whole > 0' | 'whole >= 0' | '>= 0';

const ACCEPTS: Record<NumberKind, (n: number) => boolean> = {
  'whole > 0': (n) => Number.isInteger(n) && n > 0,
  'whole >= 0': (n) => Number.isInteger(n) && n >= 0,
  '>= 0': (n) => Number.isFinite(n) && n >= 0,
};

/** A number field: empty → `dflt`; a value `kind` does not accept → Error(`message`). */
export function numberValue(v: string | number | undefined, dflt: number, kind: NumberKind, message: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!ACCEPTS[kind](n)) throw new Error(message);
  return n;
}
