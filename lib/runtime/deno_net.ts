/**
 * Deno.listen / Deno.connect behind the Conn contract (runtime.md §1.1). Touches `Deno` only when called.
 *
 * Deno's own conn.readable/writable are not used as they are: writable.close() closes the whole resource
 * (no half-close), and every chunk of conn.readable is a view onto a fresh 64 KiB buffer, which keeps
 * 64 KiB alive per stored slice. Here reads go through one scratch buffer per connection and each chunk
 * is a compact copy; writable.close() is conn.closeWrite() (FIN).
 */
import type { Addr, Conn, ConnectOptions, Listener, SocketAdapter, UnixListener } from "./types.ts";
import { tcpAddr, unixAddr } from "./addr.ts";
import { attempt } from "./attempt.ts";
import { connectNodeNet, nodeHandoff } from "./node_net.ts";
import { denoLibc } from "./libc_deno.ts";
import { type PlainAdapter, withSecurity } from "./secure_net.ts";
import { listenPrivate, unixListener } from "./unix_path.ts";

const READ_SIZE = 64 * 1024;

class DenoConn implements Conn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddr: Addr;
  readonly remoteAddr: Addr;
  readonly closed: Promise<void>;
  #conn: Deno.Conn;
  #tcp: Deno.TcpConn | undefined;
  #scratch = new Uint8Array(READ_SIZE);
  #readDone = false;
  #writeDone = false;
  #isClosed = false;
  #resolveClosed!: () => void;

  constructor(conn: Deno.Conn, local: Addr, remote: Addr, tcp: Deno.TcpConn | undefined) {
    this.#conn = conn;
    this.#tcp = tcp;
    this.localAddr = local;
    this.remoteAddr = remote;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // Pull-based: Deno reads only when the consumer has room (default high-water mark: one chunk ahead).
    this.readable = new ReadableStream<Uint8Array>({
      pull: (c) => this.#pull(c),
      cancel: () => this.close(),
    });
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#write(chunk),
      close: () => this.#closeWrite(),
      abort: () => this.close(),
    });
  }

  async #pull(c: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let n: number | null;
    try {
      n = await this.#conn.read(this.#scratch);
    } catch (e) {
      // Our own close() interrupts a pending read: that is an end, not an error.
      if (this.#isClosed) c.close();
      else {
        c.error(e);
        this.close();
      }
      return;
    }
    if (n === null) {
      c.close();
      this.#readDone = true;
      this.#releaseIfDone();
      return;
    }
    c.enqueue(this.#scratch.slice(0, n));
  }

  async #write(chunk: Uint8Array): Promise<void> {
    // conn.write may take part of the chunk; the rest goes in further calls.
    let off = await this.#conn.write(chunk);
    while (off < chunk.byteLength) off += await this.#conn.write(chunk.subarray(off));
  }

  async #closeWrite(): Promise<void> {
    try {
      await this.#conn.closeWrite();
    } catch {
      // the peer is already gone (ENOTCONN): nothing left to shut down
    }
    this.#writeDone = true;
    this.#releaseIfDone();
  }

  /** Both directions finished: free the resource. */
  #releaseIfDone(): void {
    if (this.#readDone && this.#writeDone) this.close();
  }

  setNoDelay(on: boolean): void {
    this.#tcp?.setNoDelay(on);
  }

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
    this.#resolveClosed();
  }
}

function wrapTcp(conn: Deno.TcpConn): Conn {
  conn.setNoDelay(true); // off by default in Deno (runtime.md §1.1)
  const l = conn.localAddr, r = conn.remoteAddr;
  return new DenoConn(conn, tcpAddr(l.hostname, l.port), tcpAddr(r.hostname, r.port), conn);
}

function wrapUnix(path: string) {
  return (conn: Deno.Conn): Conn => new DenoConn(conn, unixAddr(path), unixAddr(path), undefined);
}

/** Accepts until the listener is closed (accept then fails with BadResource or Interrupted). */
async function* accepted<C extends Deno.Conn>(
  l: Deno.Listener<C>,
  isClosed: () => boolean,
  wrap: (c: C) => Conn,
): AsyncGenerator<Conn> {
  while (true) {
    let c: C;
    try {
      c = await l.accept();
    } catch (e) {
      if (isClosed()) return;
      throw e;
    }
    yield wrap(c);
  }
}

function closeListener(l: Deno.Listener): void {
  try {
    l.close();
  } catch {
    // already closed
  }
}

/** Rethrows an abort as the signal's reason, so every backend rejects the same way on a timeout. */
function abortReason(signal: AbortSignal | undefined, e: unknown): unknown {
  return signal?.aborted ? signal.reason : e;
}

const plainDenoNet: PlainAdapter = {
  name: "deno",

  async connect(o: ConnectOptions): Promise<Conn> {
    // Deno.connect silently ignores a source address (runtime.md §1.1): node:net can bind one.
    if (o.localAddress !== undefined || o.localPort !== undefined) return connectNodeNet(o);
    if (o.signal?.aborted) throw o.signal.reason;
    try {
      return wrapTcp(await Deno.connect({ hostname: o.host, port: o.port, signal: o.signal }));
    } catch (e) {
      throw abortReason(o.signal, e);
    }
  },

  // attempt(): a failure to bind (EADDRINUSE) rejects instead of throwing.
  listen: ({ host, port }): Promise<Listener> =>
    attempt(() => {
      const l = Deno.listen({ hostname: host, port });
      let closed = false;
      return {
        addr: tcpAddr(l.addr.hostname, l.addr.port),
        close() {
          closed = true;
          closeListener(l);
        },
        [Symbol.asyncIterator]: () => accepted(l, () => closed, wrapTcp),
      };
    }),

  async listenUnix(path: string): Promise<UnixListener> {
    const l = await listenPrivate(path, () => Deno.listen({ transport: "unix", path }));
    let closed = false;
    const stop = () => {
      closed = true;
      closeListener(l);
    };
    return unixListener(path, stop, () => accepted(l, () => closed, wrapUnix(path)));
  },

  async connectUnix(path: string): Promise<Conn> {
    return wrapUnix(path)(await Deno.connect({ transport: "unix", path }));
  },
};

/** TCP-MD5 / GTSM sockets come from FFI and are adopted through node:net (Deno.* has no fd API). */
export const denoNet: SocketAdapter = withSecurity(plainDenoNet, denoLibc, nodeHandoff);
