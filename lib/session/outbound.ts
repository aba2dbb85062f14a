/**
 * Where a session's outbound UPDATEs come from. The RIB implements it; the session drains it after
 * Established, driven by `wake` (never by the reader, so that queued routes go out while the peer is
 * silent).
 */
import type { Negotiated } from "../bgp/capability/negotiated.ts";

export interface Outbound {
  /** Session reached Established: queue the initial table (+ End-of-RIB unless manual-eor). */
  start(negotiated: Negotiated): void;
  /** Next wire messages (complete, with header), roughly `budget` bytes at most; [] when nothing is pending. */
  next(budget: number): Uint8Array[];
  /** The session went down. */
  stop(): void;
  /** The source calls `wake` whenever something becomes pending; the session then drains `next()`. */
  setWake(wake: () => void): void;
}
