import { isIP } from 'net';
import type { AuditEvent } from './event';

/** The Elastic Common Schema version the mapping follows. */
export const ECS_VERSION = '8.11.0';

/**
 * An audit event as an Elastic Common Schema document (ECS 8.11:
 * event.*, user.*, source.*, url.*, http.*), ready for Elasticsearch,
 * Filebeat or any SIEM that reads ECS. Fields ECS has no place for
 * (node, key id, client id, method) go under the custom `authflow.*`
 * namespace, as ECS asks of custom fields.
 */
export function toEcs(e: AuditEvent): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    '@timestamp': e.time,
    ecs: { version: ECS_VERSION },
    message: summary(e),
    event: {
      kind: 'event',
      category: ['authentication'],
      // ECS event.type for the authentication category: start (a login), end (a logout), info (anything else).
      type: [e.event.startsWith('login.') ? 'start' : e.event === 'logout' ? 'end' : 'info'],
      action: e.event,
      outcome: e.outcome === 'allow' ? 'success' : 'failure',
      ...(e.code ? { code: e.code } : {}),
      reason: e.reason,
      module: 'authflow',
      dataset: 'authflow.audit',
    },
    service: { node: { name: e.instanceId } },
    authflow: {
      method: e.method,
      ...(e.keyId ? { key_id: e.keyId } : {}),
      ...(e.clientId ? { client_id: e.clientId } : {}),
      ...(e.nodeId ? { node: { id: e.nodeId, type: e.nodeType, ...(e.nodeName ? { name: e.nodeName } : {}) } } : {}),
      ...(e.flowId ? { flow: { id: e.flowId } } : {}),
    },
  };
  if (e.subject) doc.user = { name: e.subject };
  // source.ip is an ECS `ip` field: an unparseable address ("unknown") would make the whole document fail to index.
  if (e.clientIp && isIP(e.clientIp)) doc.source = { ip: e.clientIp };
  if (e.path) doc.url = { path: e.path };
  const http: Record<string, unknown> = {};
  if (e.httpMethod || e.requestId) http.request = { ...(e.httpMethod ? { method: e.httpMethod } : {}), ...(e.requestId ? { id: e.requestId } : {}) };
  if (e.status) http.response = { status_code: e.status };
  if (Object.keys(http).length) doc.http = http;
  return doc;
}

/** One line for humans: "login.failure basic AUTH_001 alice 203.0.113.5: wrong password". */
export function summary(e: AuditEvent): string {
  return [e.event, e.method, e.code, e.subject, e.clientIp].filter(Boolean).join(' ') + (e.reason ? `: ${e.reason}` : '');
}
