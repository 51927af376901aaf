import { isIP } from 'net';
import type { AuditEvent } from './event';
import type { AuditEventType } from './event-types';
import { summary } from './ecs';

/** The OCSF schema version the mapping follows. */
export const OCSF_VERSION = '1.3.0';

/** OCSF Authentication (class 3002, category 3 Identity & Access Management). */
const CLASS_UID = 3002;
const CATEGORY_UID = 3;

/** OCSF Authentication activity_id: 1 Logon, 2 Logoff, 3 Authentication Ticket, 5 Service Ticket Renew, 99 Other. */
const ACTIVITY: Partial<Record<AuditEventType, [number, string]>> = {
  'auth.success': [1, 'Logon'],
  'auth.failure': [1, 'Logon'],
  'login.success': [1, 'Logon'],
  'login.failure': [1, 'Logon'],
  'lockout': [1, 'Logon'],
  'mfa.failure': [1, 'Logon'],
  'signature.invalid': [1, 'Logon'],
  'signature.replay': [1, 'Logon'],
  'logout': [2, 'Logoff'],
  'token.issued': [3, 'Authentication Ticket'],
  'token.failure': [3, 'Authentication Ticket'],
  'token.refreshed': [5, 'Service Ticket Renew'],
};

/** severity_id: 1 Informational, 2 Low, 3 Medium, 4 High. */
function severity(e: AuditEvent): [number, string] {
  if (e.outcome === 'allow') return e.event === 'key.used_in_grace' || e.event === 'client.secret_expiring' ? [2, 'Low'] : [1, 'Informational'];
  if (e.event === 'store.outage' || e.event === 'config.error' || e.event === 'internal.error') return [4, 'High'];
  if (e.event === 'lockout' || e.event === 'signature.replay') return [3, 'Medium'];
  return [2, 'Low'];
}

/**
 * An audit event as an OCSF 1.3 Authentication event (class_uid 3002):
 * activity, status, severity, user, src_endpoint, http_request; what OCSF
 * has no attribute for goes to `unmapped`, as the schema provides.
 */
export function toOcsf(e: AuditEvent): Record<string, unknown> {
  const [activityId, activityName] = ACTIVITY[e.event] ?? [99, 'Other'];
  const [severityId, severityName] = severity(e);
  const success = e.outcome === 'allow';
  const oauth = e.method === 'oauth2' || e.method === 'bearer';
  const ev: Record<string, unknown> = {
    class_uid: CLASS_UID,
    class_name: 'Authentication',
    category_uid: CATEGORY_UID,
    category_name: 'Identity & Access Management',
    activity_id: activityId,
    activity_name: activityName,
    type_uid: CLASS_UID * 100 + activityId,
    type_name: `Authentication: ${activityName}`,
    time: Date.parse(e.time),
    severity_id: severityId,
    severity: severityName,
    status_id: success ? 1 : 2,
    status: success ? 'Success' : 'Failure',
    ...(e.code ? { status_code: e.code } : {}),
    status_detail: e.reason,
    message: summary(e),
    // auth_protocol_id 6 = OAUTH 2.0; every other method is 99 Other, named in auth_protocol.
    auth_protocol_id: oauth ? 6 : 99,
    auth_protocol: oauth ? 'OAUTH 2.0' : e.method,
    user: e.subject ? { name: e.subject, uid: e.subject } : { type_id: 0, type: 'Unknown' },
    metadata: {
      version: OCSF_VERSION,
      product: { name: '@authflow/node-red-api-auth', vendor_name: 'authflow' },
      log_name: 'authflow-audit',
      ...(e.requestId ? { correlation_uid: e.requestId } : {}),
    },
    unmapped: {
      event: e.event,
      method: e.method,
      instance_id: e.instanceId,
      ...(e.status ? { http_status: e.status } : {}),
      ...(e.keyId ? { key_id: e.keyId } : {}),
      ...(e.clientId ? { client_id: e.clientId } : {}),
      ...(e.nodeId ? { node_id: e.nodeId, node_type: e.nodeType } : {}),
      ...(e.nodeName ? { node_name: e.nodeName } : {}),
      ...(e.flowId ? { flow_id: e.flowId } : {}),
    },
  };
  if (e.clientIp && isIP(e.clientIp)) ev.src_endpoint = { ip: e.clientIp };
  if (e.httpMethod || e.path || e.requestId) {
    ev.http_request = {
      ...(e.httpMethod ? { http_method: e.httpMethod } : {}),
      ...(e.path ? { url: { path: e.path } } : {}),
      ...(e.requestId ? { uid: e.requestId } : {}),
    };
  }
  return ev;
}
