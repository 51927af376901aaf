import { oncePerValue } from '../../lib/internal';
import type { RedNode } from './red-types';
import type { StatusReporter } from './status';

interface ListChecker {
  problems(raw: unknown): string[];
  warnings?(raw: unknown): string[];
}

/**
 * Reports problems and warnings of a credential list (bad entries, plain-text
 * passwords) in the log and node status — once per distinct list value, so
 * the request path pays one identity comparison.
 */
export function watchListWarnings(node: RedNode, status: StatusReporter, checker: ListChecker): (raw: unknown) => void {
  return oncePerValue((raw) => {
    const problems = checker.problems(raw);
    const warnings = checker.warnings?.(raw) ?? [];
    for (const p of problems) node.warn(`credential list: ${p}`);
    for (const w of warnings) node.warn(`credential list: ${w} — store scrypt or bcrypt hashes instead`);
    status.warn(warnings[0] ?? (problems.length ? `${problems.length} invalid entries` : undefined));
  });
}
