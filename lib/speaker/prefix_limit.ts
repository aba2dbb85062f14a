/**
 * Enforcing a neighbor's `maximum-prefix` limits (lib/config/maximum_prefix.ts) on its Adj-RIB-In after each
 * UPDATE: which limit is crossed, and the NOTIFICATION a teardown sends (Cease 1, RFC 4486 §4: the data is
 * AFI (2 octets), SAFI (1 octet) and the upper bound (4 octets)). A warning is given once per crossing and
 * again only after the count fell back to the limit.
 */
import { ErrorCode } from "../bgp/error.ts";
import { familyAfi, type FamilyKey, familyName, familySafi } from "../bgp/family.ts";
import { CeaseSubcode, notification } from "../bgp/message/notification.ts";
import type { NotificationMessage, UpdateMessage } from "../bgp/types.ts";
import type { PrefixLimit } from "../config/maximum_prefix.ts";

/** What the limiter needs from the Adj-RIB-In. */
export interface PrefixCounts {
  /** All routes, every family. */
  readonly size: number;
  sizeOf(family: FamilyKey): number;
}

export interface LimitCrossed {
  readonly limit: PrefixLimit;
  /** The family counted, or the one that pushed an all-families count over. */
  readonly family: FamilyKey;
  readonly count: number;
}

/** The families an UPDATE announces into (withdraws only shrink the counts). */
export function announcedFamilies(update: UpdateMessage): FamilyKey[] {
  const out: FamilyKey[] = [];
  if (update.announced.length > 0) out.push(update.announced[0].family);
  for (const a of update.attributes) if (a.kind === "mp-reach" && a.nlri.length > 0) out.push(a.family);
  return out;
}

export class PrefixLimiter {
  readonly #limits: readonly PrefixLimit[];
  /** Limits over which a warning was given and the count has not come back under since. */
  readonly #over = new Set<PrefixLimit>();

  constructor(limits: readonly PrefixLimit[]) {
    this.#limits = limits;
  }

  get active(): boolean {
    return this.#limits.length > 0;
  }

  /**
   * The limits `update` pushed over (each reported once per crossing). Teardown limits come first: the
   * caller acts on the first one and may ignore the rest.
   */
  check(update: UpdateMessage, rib: PrefixCounts): LimitCrossed[] {
    const touched = announcedFamilies(update);
    const crossed: LimitCrossed[] = [];
    for (const limit of this.#limits) {
      const count = limit.family === undefined ? rib.size : rib.sizeOf(limit.family);
      if (count <= limit.limit) {
        this.#over.delete(limit);
        continue;
      }
      if (this.#over.has(limit)) continue;
      const family = limit.family ?? touched[0];
      if (family === undefined || (limit.family !== undefined && !touched.includes(limit.family))) continue;
      this.#over.add(limit);
      crossed.push({ limit, family, count });
    }
    return crossed.sort((a, b) =>
      Number(b.limit.action === "teardown") - Number(a.limit.action === "teardown")
    );
  }

  /** A new session starts from an empty count. */
  reset(): void {
    this.#over.clear();
  }
}

/** Cease 1 with the RFC 4486 §4 data for the family and limit crossed. */
export function maxPrefixNotification(c: LimitCrossed): NotificationMessage {
  const data = new Uint8Array(7);
  const v = new DataView(data.buffer);
  v.setUint16(0, familyAfi(c.family));
  data[2] = familySafi(c.family);
  v.setUint32(3, c.limit.limit);
  return notification(ErrorCode.CEASE, CeaseSubcode.MAX_PREFIXES, data);
}

/** The log line for a crossing. */
export function describeCrossing(peer: string, c: LimitCrossed): string {
  const scope = c.limit.family === undefined ? "all families" : familyName(c.limit.family);
  const then = c.limit.action === "warning-only"
    ? "warning only"
    : c.limit.restart === undefined
    ? "tearing the session down (Cease 1); it stays down until restart or reload"
    : `tearing the session down (Cease 1); reconnecting in ${c.limit.restart} s`;
  return `neighbor ${peer}: maximum-prefix ${c.limit.limit} (${scope}) exceeded with ${c.count} routes ` +
    `(last from ${familyName(c.family)}): ${then}`;
}
