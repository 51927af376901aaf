import { EventEmitter } from 'events';
import type { AuthCode } from '../errors';
import type { AuditEventType } from './event-types';
import { framesOf } from '../errors/unexpected';

/** One authentication/authorization decision. Never holds a secret. */
export interface AuthDecision {
  time: string;
  outcome: 'allow' | 'deny';
  method: string;
  code?: AuthCode;
  status?: number;
  /** Precise reason for operators. */
  reason: string;
  subject?: string;
  keyId?: string;
  ip?: string;
  httpMethod?: string;
  path?: string;
  node?: { id: string; type: string; name?: string; z?: string };
  /** What happened, when the emitter knows better than eventTypeOf can derive (e.g. 'key.created'). */
  event?: AuditEventType;
  /** OAuth client id (RFC 6749 §2.2), when a client authenticated. */
  clientId?: string;
  /** Correlation id of the request (requestIdOf). */
  requestId?: string;
}

// One emitter per process even if two copies of the package are loaded, so an
// audit node always hears every check node.
const KEY = Symbol.for('authflow.audit.emitter');
const holder = globalThis as unknown as Record<symbol, EventEmitter | undefined>;

export const auditEvents: EventEmitter = holder[KEY] ?? (holder[KEY] = new EventEmitter().setMaxListeners(0));

type Listener = (...args: unknown[]) => unknown;

// Listeners already logged: one broken listener logs once, not once per request.
const reported = new WeakSet<Listener>();

function reportListenerError(listener: Listener, err: unknown): void {
  if (reported.has(listener)) return;
  reported.add(listener);
  // Class and stack frames only: never the decision, nor the message (it may quote the decision: users, keys, paths).
  const name = err instanceof Error ? err.name : typeof err;
  const frames = err instanceof Error && typeof err.stack === 'string' ? framesOf(err.stack) : '';
  console.error(`[authflow audit] a 'decision' listener threw ${name}; ignored, the decision stands${frames ? '\n' + frames : ''}`);
}

/**
 * Emits the decision `describe()` builds — only when someone listens: checks
 * run on every request, and an event nobody hears is not worth building.
 * `auditEvents` is public, so listeners are user code: each one runs in its
 * own try/catch (and a rejected promise is caught too) — a throwing listener
 * must never turn an allow into an error, hang a request or crash Node-RED.
 */
export function emitDecision(describe: () => AuthDecision): void {
  // Counted first: rawListeners copies the list, which the request path need not pay while nobody listens.
  if (auditEvents.listenerCount('decision') === 0) return;
  // rawListeners: calling a once() wrapper also removes it, as emit would.
  const listeners = auditEvents.rawListeners('decision') as Listener[];
  const decision = describe();
  for (const listener of listeners) {
    try {
      const result = listener.call(auditEvents, decision);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (err: unknown) => reportListenerError(listener, err));
      }
    } catch (err) {
      reportListenerError(listener, err);
    }
  }
}

export { AUDIT_EVENT_TYPES, AuditEventType, eventTypeOf } from './event-types';
export { AuditEvent, toAuditEvent, instanceId, pathOnly } from './event';
export { requestIdOf, REQUEST_ID_HEADER } from './request-id';
export { toEcs, ECS_VERSION } from './ecs';
export { toOcsf, OCSF_VERSION } from './ocsf';
export { DeliveryQueue, DeliveryQueueOptions, DeliveryCounts } from './delivery-queue';
export { debugHeaders, DebugFacts } from './debug-headers';
export { DecisionMonitor, NodeCounts, SeqEvent, MonitorOptions } from './monitor';
