/**
 * The runtime adapter: the only door from the core to Deno or Bun. Both backends are imported statically;
 * neither touches its runtime's global until called, so each loads under the other runtime.
 */
import type { Runtime } from "./types.ts";
import { denoRuntime } from "./deno.ts";
import { bunRuntime } from "./bun.ts";

export type * from "./types.ts";
export { LineSplitter, readLines } from "./lines.ts";
export { nodeNet } from "./node_net.ts";
export { FfiUnavailableError, SocketCallError } from "./libc.ts";
export { clampDelay, MAX_DELAY_MS, yieldToLoop } from "./timers.ts";

export const runtime: Runtime = "Deno" in globalThis ? denoRuntime : bunRuntime;
