/**
 * Header access that sees what the client really sent. Node's parser keeps
 * only the first `Authorization` header and silently drops the rest, and joins
 * other repeated headers with ", " — so duplicate detection must read rawHeaders.
 */
export function headerValues(rawHeaders: readonly string[] | undefined, name: string): string[] {
  return headerValuesOf(rawHeaders, [name.toLowerCase()])[0];
}

/** headerValues for several headers (names in lower case) in one pass over the lines: one list per name. */
export function headerValuesOf(rawHeaders: readonly string[] | undefined, lowerNames: readonly string[]): string[][] {
  const out = lowerNames.map((): string[] => []);
  if (!rawHeaders) return out;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const line = rawHeaders[i];
    let lower: string | undefined;
    for (let n = 0; n < lowerNames.length; n++) {
      // Length first: most lines are other headers, and lower-casing each would allocate per line per request.
      if (line.length !== lowerNames[n].length) continue;
      lower ??= line.toLowerCase();
      if (lower === lowerNames[n]) out[n].push(rawHeaders[i + 1]);
    }
  }
  return out;
}

/** A quoted-string parameter value is safe when it has no `"`, `\`, CR, LF or other control characters. */
export function isSafeQuotedValue(value: string): boolean {
  return !/["\\\u0000-\u001f\u007f]/.test(value);
}
