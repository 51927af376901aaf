/** Small readers shared by the credential-list normalisers. */
export function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.slice();
  throw new Error(`${field} must be a list of strings`);
}

/** Expiry as epoch ms from an ISO date, epoch seconds (< 1e11) or epoch ms; undefined = never. */
export function expiryMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const ms = typeof value === 'number' ? (value < 1e11 ? value * 1000 : value) : value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new Error('expiry is not a valid date');
  return ms;
}

export function firstString(obj: Record<string, unknown>, names: string[]): string | undefined {
  for (const n of names) {
    const v = obj[n];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

/** Parses a credential list given as text: JSON when it looks like JSON, else one entry per line (`#` comments). */
export function parseListText(text: string, line: (l: string) => unknown): unknown {
  const t = text.trim();
  if (t.startsWith('[') || t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      throw new Error('credential list is not valid JSON');
    }
  }
  return t.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map(line);
}
