/**
 * The control socket: a Unix domain socket on which `tsbgp cli` (ExaBGP's `exabgpcli` / `exabgp cli`) sends
 * text API commands to a running speaker. ExaBGP 5.0 used a pair of FIFOs with one reader at a time; a
 * socket serves many clients at once and each keeps its own answer stream.
 *
 * Protocol (ExaBGP text API acks, reference §4.1): one command per line; the answer is the handler's
 * output lines followed by one line `done` or `error`. A client may send several commands on one
 * connection; they run strictly in order and their answers come back in the same order.
 */
import { statSync } from "node:fs";
import process from "node:process";
import { readLines, runtime } from "../runtime/mod.ts";
import type { Conn, SocketAdapter, UnixListener } from "../runtime/types.ts";

/** Runs one command line; `reply` emits answer text (one or more lines) before the final done/error. */
export type ControlHandler = (line: string, reply: (text: string) => void) => Promise<"done" | "error">;

export interface ControlServerOptions {
  /** The socket backend (tests may pass node:net); default the running runtime's. */
  readonly net?: SocketAdapter;
  /** Told about a handler that threw (the client still gets `error`). */
  readonly onError?: (line: string, error: unknown) => void;
}

/** Replies are batched into writes of about this size, so `show adj-rib` of a big RIB is not one huge string. */
const FLUSH_BYTES = 64 * 1024;

/**
 * How long stop() lets the answers being written finish before it drops the clients: `shutdown` itself
 * stops the server, and its client must still read `shutdown in progress` and `done`.
 */
const STOP_GRACE_MS = 2000;

const encoder = new TextEncoder();

/** True if `path` is an existing directory. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Where the control socket lives, first match wins:
 *   1. `$exabgp_api_socketpath` (or the dotted `exabgp.api.socketpath`) — an explicit path;
 *   2. `$XDG_RUNTIME_DIR/tsbgp.sock` when that directory exists (per-user, tmpfs, cleaned at logout);
 *   3. `/tmp/tsbgp-<uid>.sock`.
 * The speaker and `tsbgp cli` both call this, so they agree without configuration.
 */
export function defaultSocketPath(
  env: Readonly<Record<string, string | undefined>>,
  uid: number,
  dirExists: (path: string) => boolean = isDirectory,
): string {
  const explicit = env["exabgp_api_socketpath"] ?? env["exabgp.api.socketpath"];
  if (explicit) return explicit;
  const xdg = env["XDG_RUNTIME_DIR"];
  if (xdg && dirExists(xdg)) return `${xdg.replace(/\/+$/, "")}/tsbgp.sock`;
  return `/tmp/tsbgp-${uid}.sock`;
}

/** The user id for the default path (`process.getuid` exists on both runtimes on Unix; 0 elsewhere). */
export function currentUid(): number {
  return typeof process.getuid === "function" ? process.getuid() : 0;
}

/**
 * Accepts clients on a Unix socket and answers their commands through `handler`. Commands of one
 * connection run in order; different connections run independently (the handler serialises what must be).
 */
export class ControlServer {
  readonly path: string;
  readonly #listener: UnixListener;
  readonly #handler: ControlHandler;
  readonly #onError: ((line: string, error: unknown) => void) | undefined;
  readonly #clients = new Set<Conn>();
  /** Answers being built or written; stop() waits for them (bounded) before closing the clients. */
  readonly #answering = new Set<Promise<void>>();
  readonly #acceptLoop: Promise<void>;
  #stopped = false;

  private constructor(listener: UnixListener, handler: ControlHandler, options: ControlServerOptions) {
    this.path = listener.path;
    this.#listener = listener;
    this.#handler = handler;
    this.#onError = options.onError;
    this.#acceptLoop = this.#accept();
  }

  /** Listens on `path` (mode 0600; a stale socket file is replaced, a live one is an error). */
  static async start(
    path: string,
    handler: ControlHandler,
    options: ControlServerOptions = {},
  ): Promise<ControlServer> {
    const listener = await (options.net ?? runtime.net).listenUnix(path);
    return new ControlServer(listener, handler, options);
  }

  /** Number of connected clients. */
  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Stops accepting, lets the answers in progress reach their clients (at most STOP_GRACE_MS), then drops
   * every client and removes the socket file. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#listener.close();
    if (this.#answering.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)));
      await Promise.race([Promise.all([...this.#answering]), grace]);
      clearTimeout(timer);
    }
    for (const conn of this.#clients) conn.close();
    this.#clients.clear();
    await this.#acceptLoop;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        if (this.#stopped) {
          conn.close();
          break;
        }
        this.#clients.add(conn);
        this.#serve(conn).finally(() => {
          this.#clients.delete(conn);
          conn.close();
        });
      }
    } catch (e) {
      if (!this.#stopped) this.#onError?.("(accept)", e);
    }
  }

  async #serve(conn: Conn): Promise<void> {
    const writer = conn.writable.getWriter();
    try {
      for await (const line of readLines(conn.readable)) {
        if (this.#stopped) break;
        // Registered before the handler runs: the handler itself may call stop() (`shutdown`).
        let answered!: () => void;
        const answering = new Promise<void>((resolve) => (answered = resolve));
        this.#answering.add(answering);
        try {
          await this.#answer(line, writer);
        } finally {
          this.#answering.delete(answering);
          answered();
        }
      }
    } catch {
      // The client went away mid-answer: nothing to tell it.
    } finally {
      writer.releaseLock();
    }
  }

  /** Runs one command and writes its reply lines, then `done` or `error`. */
  async #answer(line: string, writer: WritableStreamDefaultWriter<Uint8Array>): Promise<void> {
    let pending = "";
    // `reply` is synchronous (the handler does not await it), so big answers are handed to the stream in
    // batches as they grow; the final write below waits for all of them.
    const reply = (text: string) => {
      pending += text.endsWith("\n") ? text : text + "\n";
      if (pending.length >= FLUSH_BYTES) {
        writer.write(encoder.encode(pending)).catch(() => {});
        pending = "";
      }
    };
    let status: "done" | "error";
    try {
      status = await this.#handler(line, reply);
    } catch (e) {
      this.#onError?.(line, e);
      status = "error";
    }
    await writer.write(encoder.encode(`${pending}${status}\n`));
  }
}
