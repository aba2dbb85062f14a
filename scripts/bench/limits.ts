/** The bench's fixed parameters: timers of the sessions under load, and the bound on every wait. */

/** Hold time of the transfer sessions: a KEEPALIVE every 3 s (RFC 4271 §10: a third of it). */
export const HOLD_TIME = 9;
export const KEEPALIVE_INTERVAL_S = HOLD_TIME / 3;
/** A KEEPALIVE is "on time" when no gap exceeds the interval by more than this. */
export const KEEPALIVE_SLACK_S = 1;

/** Hold time of the idle sessions (a KEEPALIVE every 10 s each way, so idle includes timer work). */
export const IDLE_HOLD_TIME = 30;
export const IDLE_SESSIONS = 10;

/** Start-up and session establishment (ExaBGP's Python start-up included). */
export const SESSION_TIMEOUT_MS = 60_000;
/** Any transfer: a minute plus 2 ms per route (ExaBGP, the slowest, needs ~0.5 ms per route one per line). */
export function transferTimeoutMs(routes: number): number {
  return 60_000 + 2 * routes;
}
/** Loading BIRD's static table (its parser reads ~100k–500k routes/s). */
export function birdLoadTimeoutMs(routes: number): number {
  return 60_000 + routes / 10;
}
/**
 * After a transfer, before the RSS "held" is read: lets the runtime finish its work and collect (2 s at
 * 1M routes and above, less for the small quick runs, where memory is not the point).
 */
export function settleMs(routes: number): number {
  return Math.min(2_000, 200 + routes / 500);
}
