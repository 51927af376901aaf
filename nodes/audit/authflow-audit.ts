import { assertSupportedNode } from '../shared/supported-node';
import { auditEvents, AuthDecision, AuditEvent, DeliveryQueue, framesOf, toAuditEvent, toEcs, toOcsf } from '../../lib/internal';
import type { RED, RedMsg, RedNode } from '../shared/red-types';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-audit.schema';

interface AuditConfig {
  name?: string;
  scope: 'all' | 'tab' | 'selected';
  sources: string;
  outcomes: 'all' | 'allow' | 'deny';
  format: 'event' | 'ecs' | 'ocsf';
  bufferSize: number | string;
  wires?: string[][];
}

/** Node-RED's messaging hooks (RED.hooks, Node-RED ≥ 2): how the node hears that its receivers are done with a msg. */
interface Hooks {
  add(id: string, cb: (event: { msg?: RedMsg; node?: { id: string } }) => void): void;
  remove(id: string): void;
}

/** Events out with the flow at once: a slow receiver holds at most this many, the rest wait in the buffer. */
const MAX_IN_FLIGHT = 16;
/** A receiver that never calls done() (an old-style node) releases its slot after this long. */
const ACK_TIMEOUT_MS = 5000;
const STATUS_EVERY_MS = 1000;

const FORMATS: Record<AuditConfig['format'], (e: AuditEvent) => unknown> = { event: (e) => e, ecs: toEcs, ocsf: toOcsf };

/**
 * authflow-audit: like `catch`, but for authentication and authorization
 * decisions — one msg per decision of the workspace, of its own flow, or of
 * selected nodes, built from an allow-list of facts (lib/audit/event.ts).
 * A slow flow behind it never slows a request: decisions wait in a bounded
 * buffer (lib/audit/delivery-queue.ts), and what does not fit is dropped
 * and counted in the status.
 */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowAudit(this: RedNode & { wires?: string[][] }, raw: AuditConfig) {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = loadConfig<AuditConfig>(schema, raw);
    try {
      assertConfig(schema, config);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      node.error(`configuration error: ${message}`);
      node.status({ fill: 'red', shape: 'dot', text: `config error: ${message}`.slice(0, 60) });
      return;
    }
    const wanted = inScope(config, node.z);
    const format = FORMATS[config.format];
    const receivers = new Set((raw.wires ?? node.wires ?? [])[0] ?? []);
    const red = RED as unknown as { util: { generateId(): string }; hooks?: Hooks; nodes: { getNode(id: string): unknown } };
    // Only receivers whose input handler takes done() report completion (Node-RED counts those in
    // _expectedDoneCount); waiting on others (old-style nodes, a node without an input handler) would
    // stall the stream. Counted at the first send, when every wired node exists.
    let acking: number | undefined;
    const ackingReceivers = () => {
      if (acking === undefined) {
        acking = 0;
        for (const id of receivers) if (((red.nodes.getNode(id) as { _expectedDoneCount?: number } | null)?._expectedDoneCount ?? 0) > 0) acking++;
      }
      return acking;
    };
    const send = node as unknown as { send(msg: RedMsg): void };

    const queue = new DeliveryQueue<AuthDecision>({
      capacity: Number(config.bufferSize) || Number(schema.properties.bufferSize.default),
      maxInFlight: MAX_IN_FLIGHT,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      send(decision) {
        const event = toAuditEvent(decision);
        const id = red.util.generateId();
        send.send({ _msgid: id, topic: event.event, payload: format(event) });
        return { id, acks: red.hooks ? ackingReceivers() : 0 };
      },
      // Once per node: class and stack frames only, never the decision nor the message (it may quote it).
      onSendError: (err) => node.error(`audit event could not be sent (dropped and counted): ${err instanceof Error ? `${err.name}\n${framesOf(err.stack ?? '')}` : typeof err}`),
    });

    const listener = (d: AuthDecision) => {
      if (wanted(d)) queue.push(d);
    };
    auditEvents.on('decision', listener);

    // A msg is done when every node wired to this one has called done() for it.
    const hookId = `onComplete.authflowAudit${node.id.replace(/[^A-Za-z0-9]/g, '')}`;
    if (red.hooks && receivers.size > 0) {
      red.hooks.add(hookId, (ev) => {
        const id = ev.msg?._msgid;
        if (id && ev.node && receivers.has(ev.node.id)) queue.ack(id);
      });
    }

    const describe = config.scope === 'all' ? 'all nodes' : config.scope === 'tab' ? 'this flow' : `${wantedCount(config)} nodes`;
    node.status({ fill: 'grey', shape: 'ring', text: describe });
    let shown = '';
    const timer = setInterval(() => {
      const c = queue.counts();
      if (c.sent === 0 && c.dropped === 0) return;
      const text = `${c.sent} sent${c.queued ? ` · ${c.queued} queued` : ''}${c.dropped ? ` · ${c.dropped} dropped` : ''}`;
      if (text === shown) return;
      shown = text;
      node.status({ fill: c.dropped ? 'yellow' : 'green', shape: c.dropped ? 'ring' : 'dot', text });
    }, STATUS_EVERY_MS);
    timer.unref?.();

    node.on('close', (_removed, done) => {
      auditEvents.off('decision', listener);
      clearInterval(timer);
      if (red.hooks && receivers.size > 0) red.hooks.remove(hookId);
      queue.close();
      done();
    });
  }
  RED.nodes.registerType('authflow-audit', AuthflowAudit);
};

function wantedCount(config: AuditConfig): number {
  return sourceIds(config).size;
}

function sourceIds(config: AuditConfig): Set<string> {
  return new Set(String(config.sources ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/** The decisions this node reports: by scope (like `catch`), then by outcome. */
function inScope(config: AuditConfig, flowId: string | undefined): (d: AuthDecision) => boolean {
  const outcome = config.outcomes === 'all' ? undefined : config.outcomes;
  const ids = sourceIds(config);
  const scope: (d: AuthDecision) => boolean =
    config.scope === 'tab' ? (d) => d.node?.z !== undefined && d.node.z === flowId
      : config.scope === 'selected' ? (d) => d.node !== undefined && ids.has(d.node.id)
        : () => true;
  return outcome ? (d) => d.outcome === outcome && scope(d) : scope;
}
