import type { AuthError } from '../../lib/internal';
import type { RedNode } from './red-types';

/**
 * One node-status convention for every node: green dot "allowed", red ring
 * "<code> <reason>" for the last decision, yellow ring for a standing
 * configuration warning (e.g. plain-text passwords), red dot for outages.
 * Status goes to every open editor, so it is only sent when it changes.
 * Reasons never contain secrets (lib errors guarantee that).
 */
export class StatusReporter {
  private last: { fill?: string; shape?: string; text?: string } = {};
  private warning?: string;
  private ownWarning?: string;
  private standing?: string;

  constructor(private readonly node: RedNode) {}

  private show(fill: 'green' | 'red' | 'yellow' | 'grey', shape: 'dot' | 'ring', text: string): void {
    // Compared field by field: this runs on every request and must not allocate.
    if (fill === this.last.fill && shape === this.last.shape && text === this.last.text) return;
    this.last = { fill, shape, text };
    this.node.status({ fill, shape, text: text.length > 60 ? text.slice(0, 57) + '…' : text });
  }

  /** A standing warning shown until cleared; decisions are appended to it. */
  warn(text: string | undefined): void {
    this.ownWarning = text;
    this.warning = this.standing && text ? `${this.standing} · ${text}` : this.standing || text;
    if (this.warning) this.show('yellow', 'ring', this.warning);
  }

  /** A warning that stays whatever warn() says later (e.g. "debug headers on"), shown before it. */
  standingWarning(text: string | undefined): void {
    this.standing = text;
    this.warn(this.ownWarning);
  }

  ready(text = 'ready'): void {
    if (this.standing) this.show('yellow', 'ring', `${text} · ${this.standing}`);
    else this.show('grey', 'ring', text);
  }

  allowed(): void {
    if (this.warning) this.show('yellow', 'dot', this.warning === this.allowedWarning ? this.allowedText : this.allowedWith(this.warning));
    else this.show('green', 'dot', 'allowed');
  }

  private allowedWarning?: string;
  private allowedText = '';

  /** "allowed · <warning>", built once per warning rather than per request. */
  private allowedWith(warning: string): string {
    this.allowedWarning = warning;
    this.allowedText = `allowed · ${warning}`;
    return this.allowedText;
  }

  denied(err: AuthError): void {
    this.show('red', err.code === 'AUTH_011' ? 'dot' : 'ring', `${err.code} ${err.reason}`);
  }

  configError(text: string): void {
    this.show('red', 'dot', text);
  }
}
