/**
 * Option checking for settings.js: a typo (`tokenz`, `alow`) must stop
 * Node-RED at startup with a clear message instead of silently protecting
 * less than the author meant.
 */
export function rejectUnknownKeys(spec: object, allowed: readonly string[], label: string): void {
  for (const key of Object.keys(spec)) {
    if (!allowed.includes(key)) throw new Error(`${label}: unknown option "${key}" (expected one of ${allowed.join(', ')})`);
  }
}
