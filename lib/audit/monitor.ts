import type { AuthDecision } from './index';
import { AuditEvent, toAuditEvent } from './event';

/**
 * What the editor's "auth" sidebar shows, kept in memory per process and
 * bounded whatever the traffic: the last `size` decisions (a ring; events
 * are built from them only when read), and allowed/denied counts per node
 * per minute for the last `minutes` minutes of at most `maxNodes` nodes
 * (decisions of further nodes count under "other"). `record` is O(1) and
 * allocates nothing but what a new minute or node needs: it runs on every
 * request while the plugin is installed.
 */
export interface MonitorOptions {
  size?: number;
  minutes?: number;
  maxNodes?: number;
  now?: () => number;
}

export interface NodeCounts {
  nodeId: string;
  nodeType?: string;
  nodeName?: string;
  allow: number;
  deny: number;
  /** Oldest first, one entry per minute of the window (epoch ms of its start). */
  perMinute: Array<{ minute: number; allow: number; deny: number }>;
}

export type SeqEvent = AuditEvent & { seq: number };

interface Row {
  nodeType?: string;
  nodeName?: string;
  allow: number;
  deny: number;
  /** minute index → counts; a ring of `minutes` slots. */
  slots: Array<{ minute: number; allow: number; deny: number }>;
}

const OTHER = 'other';

export class DecisionMonitor {
  private readonly ring: Array<AuthDecision | undefined>;
  private seq = 0;
  private readonly rows = new Map<string, Row>();
  private readonly minutes: number;
  private readonly maxNodes: number;
  private readonly now: () => number;

  constructor(opts: MonitorOptions = {}) {
    this.ring = new Array(opts.size ?? 500);
    this.minutes = opts.minutes ?? 30;
    this.maxNodes = opts.maxNodes ?? 200;
    this.now = opts.now ?? Date.now;
  }

  /** The sequence number of the latest decision (0: none yet). */
  get latest(): number {
    return this.seq;
  }

  record(d: AuthDecision): void {
    this.seq++;
    this.ring[this.seq % this.ring.length] = d;
    const id = typeof d.node?.id === 'string' ? d.node.id : OTHER;
    let row = this.rows.get(id);
    if (!row) {
      if (this.rows.size >= this.maxNodes) row = this.otherRow();
      else {
        row = { nodeType: d.node?.type, nodeName: d.node?.name, allow: 0, deny: 0, slots: [] };
        this.rows.set(id, row);
      }
    }
    const allowed = d.outcome === 'allow';
    if (allowed) row.allow++;
    else row.deny++;
    const minute = Math.floor(this.now() / 60_000);
    let slot = row.slots[minute % this.minutes];
    if (!slot || slot.minute !== minute) {
      slot = { minute, allow: 0, deny: 0 };
      row.slots[minute % this.minutes] = slot;
    }
    if (allowed) slot.allow++;
    else slot.deny++;
  }

  /** Decisions after `afterSeq` (at most `limit`, the newest), oldest first, as audit events. */
  since(afterSeq: number, limit = 200): SeqEvent[] {
    const from = Math.max(afterSeq + 1, this.seq - Math.min(limit, this.ring.length) + 1, 1);
    const out: SeqEvent[] = [];
    for (let s = from; s <= this.seq; s++) {
      const d = this.ring[s % this.ring.length];
      if (d) out.push({ ...toAuditEvent(d), seq: s });
    }
    return out;
  }

  counts(): NodeCounts[] {
    const minute = Math.floor(this.now() / 60_000);
    const first = minute - this.minutes + 1;
    return [...this.rows].map(([nodeId, r]) => ({
      nodeId, nodeType: r.nodeType, nodeName: r.nodeName, allow: r.allow, deny: r.deny,
      perMinute: Array.from({ length: this.minutes }, (_, i) => {
        const m = first + i;
        const slot = r.slots[m % this.minutes];
        return slot && slot.minute === m ? { minute: m * 60_000, allow: slot.allow, deny: slot.deny } : { minute: m * 60_000, allow: 0, deny: 0 };
      }),
    }));
  }

  private otherRow(): Row {
    let row = this.rows.get(OTHER);
    if (!row) {
      row = { allow: 0, deny: 0, slots: [] };
      this.rows.set(OTHER, row); // one entry over maxNodes at most
    }
    return row;
  }
}
