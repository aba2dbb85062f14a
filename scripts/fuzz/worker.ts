/**
 * A fuzz worker (a Web Worker, the same in Deno and Bun): runs one range of cases and posts its summary.
 * Before each case it stores the case index in the shared array, which the supervisor watches: a case
 * that never returns (an endless loop in a decoder) is seen there and the worker terminated.
 */
import { fuzz, type FuzzOptions } from "./run.ts";

export interface WorkerRequest {
  readonly options: Omit<FuzzOptions, "progress" | "tick">;
  /** Int32Array view: [index of the case running]. */
  readonly shared: SharedArrayBuffer;
}

declare const self: {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: unknown): void;
};

self.onmessage = (e) => {
  const current = new Int32Array(e.data.shared);
  try {
    const summary = fuzz({ ...e.data.options, tick: (index) => Atomics.store(current, 0, index) });
    self.postMessage({ summary });
  } catch (err) {
    self.postMessage({ error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) });
  }
};
