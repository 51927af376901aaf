/**
 * Checks of numeric constructor options (verifier, JWKS resolver): a bad
 * value stops configuration with a message naming the option, instead of
 * silently disabling a time or size limit (NaN compares false).
 */

/** `v` when it is a finite number > 0, else throws "<label> must be a number > 0". */
export function positive(v: number, label: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`${label} must be a number > 0`);
  return v;
}

/** `v` when it is a finite number >= 0, else throws "<label> must be a number >= 0". */
export function nonNegative(v: number, label: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Error(`${label} must be a number >= 0`);
  return v;
}
