/**
 * Graceful restart, receiving side (RFC 4724 §4.2), for one neighbor: when a session on which both sides
 * announced the Graceful Restart capability ends without a NOTIFICATION, the peer's routes of the families
 * its capability listed stay in the Adj-RIB-In, marked stale, and nothing is withdrawn towards the helpers.
 * Routes of other families are withdrawn at once. Then:
 *  - the peer comes back within its Restart Time: families its new capability no longer lists, or lists
 *    without the Forwarding State bit, are withdrawn at once; each route the peer sends again stops being
 *    stale; its End-of-RIB for a family withdraws that family's stale rest; whatever is still stale
 *    STALE_WAIT_MS after the session came back is withdrawn too (a peer that never sends End-of-RIB);
 *  - it does not come back within the Restart Time: every stale route is withdrawn.
 * A withdraw is applied to the Adj-RIB-In and reported like one the peer sent (the owner's `withdraw`).
 */
import type { Negotiated } from "../bgp/capability/negotiated.ts";
import { type FamilyKey, familyKey, IPV4_UNICAST } from "../bgp/family.ts";
import { isEor } from "../bgp/message/eor.ts";
import type { Nlri, UpdateMessage } from "../bgp/types.ts";
import type { AdjRibIn } from "../rib/adj_rib_in.ts";
import { routeKey } from "../rib/nlri_key.ts";
import { Timer } from "../session/timers.ts";

type GrCapability = NonNullable<Negotiated["peerGracefulRestart"]>;

/** RFC 4724 §4.2 leaves the wait for End-of-RIB to a local timer; FRR's stalepath-time default. */
export const STALE_WAIT_MS = 360_000;
/** RFC 4724 §3: Forwarding State bit of a family in the capability. */
const FORWARDING_STATE = 0x80;
/** NLRI per synthesised withdraw (keeps each UPDATE far below the 4096-byte message size). */
const WITHDRAW_CHUNK = 200;

export interface StaleRoutesOwner {
  /** Apply this withdraw to the Adj-RIB-In and tell the helpers, as if the peer had sent it. */
  withdraw(update: UpdateMessage): void;
  log(text: string): void;
}

function withdrawUpdate(family: FamilyKey, nlri: readonly Nlri[]): UpdateMessage {
  // RFC 4760 §4: families other than IPv4 unicast are withdrawn in MP_UNREACH_NLRI.
  if (family === IPV4_UNICAST) return { type: "update", withdrawn: nlri, attributes: [], announced: [] };
  return {
    type: "update",
    withdrawn: [],
    attributes: [{ code: 15, kind: "mp-unreach", family, nlri }],
    announced: [],
  };
}

export class StaleRoutes {
  readonly #rib: AdjRibIn;
  readonly #owner: StaleRoutesOwner;
  /** Keys of the routes still stale, per family. */
  readonly #stale = new Map<FamilyKey, Set<string>>();
  readonly #timer: Timer;
  #why = "";

  constructor(rib: AdjRibIn, owner: StaleRoutesOwner) {
    this.#rib = rib;
    this.#owner = owner;
    this.#timer = new Timer(() => this.#expire());
  }

  /** Stale routes right now. */
  get size(): number {
    let n = 0;
    for (const s of this.#stale.values()) n += s.size;
    return n;
  }

  /**
   * The established session ended without a NOTIFICATION and both sides had announced graceful restart
   * (`peer` is the peer's capability on that session): keep its routes as stale for its Restart Time.
   */
  sessionLost(peer: GrCapability): void {
    const kept = new Set(peer.families.map((f) => familyKey(f.afi, f.safi)));
    const byFamily = new Map<FamilyKey, Set<string>>();
    for (const [f, key] of this.#rib.keys()) {
      let keys = byFamily.get(f);
      if (!keys) byFamily.set(f, keys = new Set());
      keys.add(key);
    }
    for (const [family, keys] of byFamily) {
      if (!kept.has(family)) {
        this.#withdrawKeys(family, keys);
        continue;
      }
      const stale = this.#stale.get(family);
      if (stale) { for (const k of keys) stale.add(k); }
      else this.#stale.set(family, keys);
    }
    this.#why = `the peer did not come back within its restart time (${peer.restartTime} s)`;
    this.#owner.log(
      `graceful restart: keeping ${this.size} route(s) as stale for up to ${peer.restartTime} s`,
    );
    if (peer.restartTime === 0) this.#expire();
    else this.#timer.start(peer.restartTime * 1000);
  }

  /**
   * A new session is established; `peer` is its graceful-restart capability (if any). Returns true when
   * stale routes are being kept (the owner must not clear the Adj-RIB-In).
   */
  sessionUp(peer: GrCapability | undefined): boolean {
    if (this.#stale.size === 0) return false;
    this.#timer.stop();
    const preserved = new Set(
      (peer?.families ?? []).filter((f) => (f.flags & FORWARDING_STATE) !== 0).map((f) =>
        familyKey(f.afi, f.safi)
      ),
    );
    for (const family of [...this.#stale.keys()]) if (!preserved.has(family)) this.#flush(family);
    if (this.#stale.size === 0) return true;
    this.#why = `no End-of-RIB within ${STALE_WAIT_MS / 1000} s of the session's return`;
    this.#owner.log(
      `graceful restart: the peer is back; ${this.size} stale route(s) wait for its End-of-RIB`,
    );
    this.#timer.start(STALE_WAIT_MS);
    return true;
  }

  /** An UPDATE the peer sent (already applied to the Adj-RIB-In). */
  received(update: UpdateMessage): void {
    if (this.#stale.size === 0) return;
    const eor = isEor(update);
    if (eor !== undefined) {
      this.#flush(eor);
      if (this.#stale.size === 0) this.#timer.stop();
      return;
    }
    this.#refresh(update.withdrawn);
    this.#refresh(update.announced);
    for (const a of update.attributes) {
      if (a.kind === "mp-reach" || a.kind === "mp-unreach") this.#refresh(a.nlri);
    }
  }

  /** `clear adj-rib in`, a removed neighbor or a stopping speaker: nothing stale any more. */
  forget(): void {
    this.#timer.stop();
    this.#stale.clear();
  }

  #refresh(nlri: readonly Nlri[]): void {
    for (const n of nlri) this.#stale.get(n.family)?.delete(routeKey(n));
  }

  #expire(): void {
    const n = this.size;
    for (const family of [...this.#stale.keys()]) this.#flush(family);
    if (n > 0) this.#owner.log(`graceful restart: ${this.#why}: ${n} stale route(s) withdrawn`);
  }

  /** Withdraws the stale routes of `family` that are still in the Adj-RIB-In. */
  #flush(family: FamilyKey): void {
    const keys = this.#stale.get(family);
    this.#stale.delete(family);
    if (keys && keys.size > 0) this.#withdrawKeys(family, keys);
  }

  #withdrawKeys(family: FamilyKey, keys: ReadonlySet<string>): void {
    // Collected first: each withdraw changes the Adj-RIB-In being read.
    const nlri: Nlri[] = [];
    for (const [, key] of this.#rib.keys([family])) if (keys.has(key)) nlri.push(this.#rib.nlriOf(key));
    for (let i = 0; i < nlri.length; i += WITHDRAW_CHUNK) {
      this.#owner.withdraw(withdrawUpdate(family, nlri.slice(i, i + WITHDRAW_CHUNK)));
    }
  }
}
