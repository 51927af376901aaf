/**
 * The bans this process's Lockouts started and that still run, so an
 * operator can see and lift them (the editor's "auth" sidebar). Bans live
 * in the store under digests (lib/store/keys.ts) and cannot be listed from
 * it; this registry holds what this process decided — bans another
 * instance started are not listed here, but lifting one removes it from the
 * shared store for every instance. Bounded: the oldest entry leaves first.
 */
import type { Store } from '../store/store';
import { keys } from '../store/keys';

export interface BanInfo {
  /** Stable id for lifting: "pair" bans one user from one address, "ip" an address. */
  id: string;
  kind: 'pair' | 'ip';
  user?: string;
  /** The lockout address (IPv6 as its /64). */
  address: string;
  /** Epoch ms. */
  until: number;
}

const MAX_BANS = 1000;
const bans = new Map<string, BanInfo & { store: Store }>();

/** Called by Lockout when it writes a ban. */
export function noteBan(store: Store, kind: 'pair' | 'ip', address: string, until: number, user?: string): void {
  const id = kind === 'pair' ? `pair:${user}@${address}` : `ip:${address}`;
  bans.delete(id); // re-inserted last: Map order stays write order
  if (bans.size >= MAX_BANS) bans.delete(bans.keys().next().value as string);
  bans.set(id, { id, kind, user: kind === 'pair' ? user : undefined, address, until, store });
}

/** Bans still running, newest last; never the store or any secret. */
export function activeBans(now = Date.now()): BanInfo[] {
  const out: BanInfo[] = [];
  for (const [id, b] of bans) {
    if (b.until <= now) bans.delete(id);
    else out.push({ id: b.id, kind: b.kind, user: b.user, address: b.address, until: b.until });
  }
  return out;
}

/** Lifts a ban listed by activeBans: deletes the ban and its failure counter from the store. False when unknown or over. */
export async function liftBan(id: string): Promise<BanInfo | undefined> {
  const b = bans.get(id);
  if (!b || b.until <= Date.now()) {
    bans.delete(id);
    return undefined;
  }
  if (b.kind === 'pair') await Promise.all([b.store.delete(keys.banUserIp(b.user ?? '', b.address)), b.store.delete(keys.failUserIp(b.user ?? '', b.address))]);
  else await Promise.all([b.store.delete(keys.banIp(b.address)), b.store.delete(keys.failIp(b.address))]);
  bans.delete(id);
  return { id: b.id, kind: b.kind, user: b.user, address: b.address, until: b.until };
}
