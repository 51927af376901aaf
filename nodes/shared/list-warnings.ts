import { ListReport, reportOncePerValue } from '../../lib/internal';
import type { RedNode } from './red-types';
import type { StatusReporter } from './status';

/**
 * Reports a credential list's problems and warnings (bad entries, plain-text
 * passwords) in the log and node status. The lib check calls it once per
 * distinct list value, so the request path pays one identity comparison.
 */
export function listReport(node: RedNode, status: StatusReporter): ListReport {
  return (problems, warnings) => {
    for (const p of problems) node.warn(`credential list: ${p}`);
    for (const w of warnings) node.warn(`credential list: ${w} — store scrypt or bcrypt hashes instead`);
    status.warn(warnings[0] ?? (problems.length ? `${problems.length} invalid entries` : undefined));
  };
}

/** listReport for a caller that reads the list itself (the login endpoint): once per distinct value. */
export function watchListWarnings(
  node: RedNode, status: StatusReporter, checker: { problems(raw: unknown): string[]; warnings?(raw: unknown): string[] },
): (raw: unknown) => void {
  return reportOncePerValue(checker, listReport(node, status));
}
