import { hostname } from 'os';
import type { AuthDecision } from './index';
import { AuditEventType, eventTypeOf } from './event-types';

/**
 * The audit event users receive (authflow-audit node, sidebar, SIEM
 * mappings). Its JSON Schema is lib/audit/event.schema.json; keep both in
 * step (a test validates emitted events against it).
 *
 * It is built field by field from an allow-list of the decision's facts,
 * never by copying an object: no header, body, query, token, key or
 * password can reach it, whatever an emitter puts on the decision.
 */
export interface AuditEvent {
  /** Shape version of this object. */
  schemaVersion: 1;
  /** ISO 8601, UTC. */
  time: string;
  event: AuditEventType;
  outcome: 'allow' | 'deny';
  /** AUTH_0xx on a denial. */
  code?: string;
  /** HTTP status of the answer, when the decision knows it. */
  status?: number;
  /** Precise internal reason (never shown to the client). */
  reason: string;
  /** Authentication method: basic, token, api_key, bearer, login, oauth2, hmac, ip, scope, rate-limit, … */
  method: string;
  subject?: string;
  clientId?: string;
  keyId?: string;
  clientIp?: string;
  httpMethod?: string;
  /** The request path, never the query (it may carry api_key or access_token). */
  path?: string;
  nodeId?: string;
  nodeType?: string;
  nodeName?: string;
  /** The flow (tab or subflow instance) of the node. */
  flowId?: string;
  /** Which Node-RED process decided (several instances behind a load balancer). */
  instanceId: string;
  /** Correlates the decisions of one request (X-Request-Id when valid, else generated). */
  requestId?: string;
}

/** Longest strings an event carries: a reason or subject can never balloon a log line. */
const MAX = { reason: 300, id: 200, path: 1000 } as const;

let instance: string | undefined;

/** This process: AUTHFLOW_INSTANCE_ID, else host:pid. */
export function instanceId(): string {
  if (instance === undefined) {
    const configured = text(process.env.AUTHFLOW_INSTANCE_ID, MAX.id);
    instance = configured || `${hostname()}:${process.pid}`;
  }
  return instance;
}

/**
 * A string fit for a log line: control characters (CR/LF log injection,
 * terminal escapes) become spaces and the length is capped; anything that
 * is not a string is left out.
 */
export function text(v: unknown, max: number): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

/** The path of a request target without its query or fragment. */
export function pathOnly(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const cut = v.search(/[?#]/);
  return text(cut < 0 ? v : v.slice(0, cut), MAX.path);
}

const CODE = /^AUTH_0\d\d$/;
const HTTP_METHOD = /^[A-Z]{1,16}$/;

/** The allow-listed audit event of one decision. */
export function toAuditEvent(d: AuthDecision): AuditEvent {
  const e: AuditEvent = {
    schemaVersion: 1,
    time: validTime(d.time),
    event: eventTypeOf(d),
    outcome: d.outcome === 'allow' ? 'allow' : 'deny',
    reason: text(d.reason, MAX.reason) ?? '',
    method: text(d.method, 40) ?? 'unknown',
    instanceId: instanceId(),
  };
  if (typeof d.code === 'string' && CODE.test(d.code)) e.code = d.code;
  if (Number.isInteger(d.status) && (d.status as number) >= 100 && (d.status as number) <= 599) e.status = d.status;
  put(e, 'subject', text(d.subject, MAX.id));
  put(e, 'clientId', text(d.clientId, MAX.id));
  put(e, 'keyId', text(d.keyId, MAX.id));
  put(e, 'clientIp', text(d.ip, 64));
  const method = typeof d.httpMethod === 'string' ? d.httpMethod.toUpperCase() : undefined;
  if (method && HTTP_METHOD.test(method)) e.httpMethod = method;
  put(e, 'path', pathOnly(d.path));
  if (d.node && typeof d.node === 'object') {
    put(e, 'nodeId', text(d.node.id, MAX.id));
    put(e, 'nodeType', text(d.node.type, MAX.id));
    put(e, 'nodeName', text(d.node.name, MAX.id));
    put(e, 'flowId', text(d.node.z, MAX.id));
  }
  put(e, 'requestId', text(d.requestId, 128));
  return e;
}

function put<K extends keyof AuditEvent>(e: AuditEvent, key: K, value: AuditEvent[K] | undefined): void {
  if (value !== undefined) e[key] = value;
}

function validTime(t: unknown): string {
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return new Date(ms).toISOString();
  }
  return new Date().toISOString();
}
