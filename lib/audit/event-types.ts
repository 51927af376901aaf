import type { AuthDecision } from './index';

/**
 * What happened, in words a SIEM rule can match on. Emitters may name it
 * (AuthDecision.event); otherwise `eventTypeOf` derives it from the
 * decision's method, outcome and code, which every emitter sets.
 */
export const AUDIT_EVENT_TYPES = [
  'auth.success', 'auth.failure',
  'login.success', 'login.failure', 'logout',
  'token.issued', 'token.refreshed', 'token.revoked', 'token.introspected', 'token.failure',
  'mfa.enrolment', 'mfa.failure',
  'key.created', 'key.rotated', 'key.revoked', 'key.used_in_grace',
  'client.secret_expiring', 'client.created', 'client.changed',
  'signature.invalid', 'signature.replay',
  'ip.denied', 'access.denied', 'rate_limited', 'lockout', 'lockout.lifted',
  'store.outage', 'config.error', 'internal.error',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

const KNOWN = new Set<string>(AUDIT_EVENT_TYPES);

/** Failures that mean the same whichever method saw them (DESIGN.md §3 codes). */
const BY_CODE: Partial<Record<string, AuditEventType>> = {
  AUTH_005: 'ip.denied',
  AUTH_006: 'mfa.failure',
  AUTH_007: 'lockout',
  AUTH_008: 'access.denied',
  AUTH_009: 'rate_limited',
};

/** The event type of a decision: the emitter's own when it named a known one, else derived. */
export function eventTypeOf(d: AuthDecision): AuditEventType {
  if (d.event !== undefined && KNOWN.has(d.event)) return d.event;
  const allowed = d.outcome === 'allow';
  const reason = typeof d.reason === 'string' ? d.reason : '';
  if (!allowed) {
    if (d.code === 'AUTH_011') {
      if (reason.startsWith('could not check: internal')) return 'internal.error';
      return reason.startsWith('could not check') ? 'config.error' : 'store.outage';
    }
    const byCode = d.code && BY_CODE[d.code];
    if (byCode) return byCode;
    if (d.code === 'AUTH_010') return /\breplay\b/.test(reason) ? 'signature.replay' : 'signature.invalid';
  }
  switch (d.method) {
    case 'login':
      // The login node's operations name themselves in the reason (nodes/login: login, refresh, logout, TOTP enrolment).
      if (!allowed) return 'login.failure';
      if (reason === 'refresh') return 'token.refreshed';
      if (reason.startsWith('logout')) return 'logout';
      if (reason.startsWith('TOTP enrolment')) return 'mfa.enrolment';
      return 'login.success';
    case 'oauth2':
      // lib/oauth2/server.ts reasons: "token issued to …", "<client>: token … revoked", "… introspected …", "client secret expires …".
      if (!allowed) return 'token.failure';
      if (reason.startsWith('token issued')) return 'token.issued';
      if (reason.startsWith('client secret expires')) return 'client.secret_expiring';
      if (/ revoked$/.test(reason)) return 'token.revoked';
      if (reason.includes('introspected')) return 'token.introspected';
      return 'auth.success';
    case 'api_key':
      // lib/api-keys/store-check.ts (grace) and the authflow-keys node ("API key <id> created|revoked|rotated to <id>").
      if (!allowed) break;
      if (reason.startsWith('rotated API key used during its grace period')) return 'key.used_in_grace';
      if (/^API key \S+ created$/.test(reason)) return 'key.created';
      if (/^API key \S+ revoked$/.test(reason)) return 'key.revoked';
      if (/^API key \S+ rotated to /.test(reason)) return 'key.rotated';
      break;
    default:
      break;
  }
  return allowed ? 'auth.success' : 'auth.failure';
}
