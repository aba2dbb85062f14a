/**
 * Bun.listen / Bun.connect behind the Conn contract (runtime.md §1.2, §1.3). Touches `Bun` only when called.
 *
 * Bun's socket is callback-only, so each connection is wrapped into Web Streams here:
 * - write() is unbuffered: what the kernel did not take is kept and finished in `drain`, and the
 *   writable's write() stays pending until then (back-pressure);
 * - `data` enqueues and pauses the socket once the readable's queue is full; pull() resumes it;
 * - allowHalfOpen: the peer's FIN ends our readable only; writable.close() sends our FIN.
 * One handler table serves every socket; per-connection state lives in the BunConn held in `socket.data`.
 */
import type { Addr, Conn, ConnectOptions, Listener, SocketAdapter, UnixListener } from "./types.ts";
import { tcpAddr, unixAddr } from "./addr.ts";
import { AcceptQueue } from "./accept_queue.ts";
import { PushReadable } from "./push_readable.ts";
import { attempt } from "./attempt.ts";
import { listenPrivate, unixListener } from "./unix_path.ts";
import { bunLibc } from "./libc_bun.ts";
import { type FdHandoff, type PlainAdapter, withSecurity } from "./secure_net.ts";

type Sock = Bun.Socket<BunConn | undefined>;

interface PendingWrite {
  buf: Uint8Array;
  resolve: () => void;
  reject: (e: Error) => void;
}

const closedError = () => new Error("socket closed");

class BunConn implements Conn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddr: Addr;
  readonly remoteAddr: Addr;
  readonly closed: Promise<void>;
  #s: Sock;
  #reader: PushReadable;
  #writeDone = false;
  #closing = false;
  #isClosed = false;
  #pending: PendingWrite | undefined;
  #resolveClosed!: () => void;

  constructor(s: Sock, local: Addr, remote: Addr) {
    this.#s = s;
    this.localAddr = local;
    this.remoteAddr = remote;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#reader = new PushReadable(s, () => this.close());
    this.readable = this.#reader.stream;
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => this.#write(chunk),
      close: () => this.#shutdown(),
      abort: () => this.close(),
    });
  }

  #write(chunk: Uint8Array): Promise<void> | undefined {
    if (this.#isClosed) throw closedError();
    const n = this.#s.write(chunk);
    if (n === chunk.byteLength) return; // the common case: no promise
    if (n < 0) throw closedError();
    return new Promise((resolve, reject) => {
      this.#pending = { buf: chunk.subarray(n), resolve, reject };
    });
  }

  #shutdown(): void {
    this.#writeDone = true;
    if (this.#isClosed) return;
    this.#s.shutdown();
    if (!this.#reader.open) this.close();
  }

  onData(d: Uint8Array): void {
    this.#reader.push(d); // a fresh buffer per call: safe to keep (runtime.md §1.2)
  }

  onDrain(): void {
    const p = this.#pending;
    if (!p) return;
    const n = this.#s.write(p.buf);
    if (n >= 0 && n < p.buf.byteLength) {
      p.buf = p.buf.subarray(n);
      return;
    }
    this.#pending = undefined;
    if (n < 0) p.reject(closedError());
    else p.resolve();
  }

  /** The peer's FIN. */
  onEnd(): void {
    this.#reader.end();
    if (this.#writeDone) this.close();
  }

  onClose(err?: Error): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#reader.end(this.#closing ? undefined : err);
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(err ?? closedError());
    this.#resolveClosed();
  }

  setNoDelay(on: boolean): void {
    this.#s.setNoDelay(on);
  }

  close(): void {
    if (this.#closing || this.#isClosed) return;
    this.#closing = true;
    // end() closes the socket after handing queued bytes to the kernel: a NOTIFICATION already written
    // still reaches the peer (terminate() would reset and drop it).
    this.#s.end();
  }
}

function openTcp(s: Sock): BunConn {
  return (s.data = new BunConn(
    s,
    tcpAddr(s.localAddress, s.localPort),
    tcpAddr(s.remoteAddress, s.remotePort),
  ));
}

function openUnix(path: string) {
  return (s: Sock): BunConn => (s.data = new BunConn(s, unixAddr(path), unixAddr(path)));
}

/** Handlers shared by every socket; `open` differs per kind and per listener. */
const common = {
  binaryType: "uint8array" as const,
  data(s: Sock, d: Uint8Array) {
    s.data?.onData(d);
  },
  drain(s: Sock) {
    s.data?.onDrain();
  },
  end(s: Sock) {
    s.data?.onEnd();
  },
  close(s: Sock, err?: Error) {
    s.data?.onClose(err);
  },
  // A handler threw: report it on the connection and drop the socket rather than run on in a bad state.
  error(s: Sock, err: Error) {
    s.data?.onClose(err);
    s.end();
  },
  // Handled by the rejected Bun.connect promise; defining it keeps Bun from also reporting it unhandled.
  connectError() {},
};

// bun-types only types "buffer" handlers and lacks localAddress/localPort (which work): one cast each.
const tcpClient = { ...common, open: openTcp } as unknown as Bun.SocketHandler<BunConn | undefined>;

function unixClient(path: string) {
  return { ...common, open: openUnix(path) } as unknown as Bun.SocketHandler<BunConn | undefined>;
}

function server(queue: AcceptQueue, open: (s: Sock) => BunConn) {
  return {
    ...common,
    open: (s: Sock) => queue.push(open(s)),
  } as unknown as Bun.SocketHandler<BunConn | undefined>;
}

/**
 * Bun.connect has no signal (runtime.md §1.2): race the attempt against the signal, and close the socket
 * if it connects after all.
 */
function raceAbort(attempt: Promise<Sock>, signal: AbortSignal | undefined): Promise<Conn> {
  if (!signal) return attempt.then((s) => s.data!);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    attempt.then(
      (s) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) s.data!.close();
        else resolve(s.data!);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** A TCP listener on an address or on an fd made through FFI (Bun.listen({fd}), runtime.md §5). */
function listenTcp(
  where: { hostname: string; port: number } | { fd: number },
  addrOf: (l: Bun.TCPSocketListener<BunConn | undefined>) => Addr,
): Listener {
  const queue = new AcceptQueue();
  const l = Bun.listen<BunConn | undefined>({
    ...where,
    allowHalfOpen: true,
    data: undefined,
    socket: server(queue, openTcp),
  } as Bun.TCPSocketListenOptions<BunConn | undefined>);
  return {
    addr: addrOf(l),
    close() {
      l.stop(false);
      queue.end();
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}

/** Bun adopts FFI-made sockets itself; Bun.connect({fd}) wants the connect already finished. */
const bunHandoff: FdHandoff = {
  async adoptFd(fd: number): Promise<Conn> {
    const options = { fd, allowHalfOpen: true, data: undefined, socket: tcpClient };
    const s = await Bun.connect(options as unknown as Bun.TCPSocketConnectOptions<BunConn | undefined>);
    return s.data!;
  },
  listenFd: (fd, addr) => attempt(() => listenTcp({ fd }, () => addr)),
};

const plainBunNet: PlainAdapter = {
  name: "bun",

  connect(o: ConnectOptions): Promise<Conn> {
    if (o.signal?.aborted) return Promise.reject(o.signal.reason);
    const options: Record<string, unknown> = {
      hostname: o.host,
      port: o.port,
      allowHalfOpen: true,
      data: undefined,
      socket: tcpClient,
    };
    if (o.localAddress !== undefined) options.localAddress = o.localAddress;
    if (o.localPort !== undefined) options.localPort = o.localPort;
    // TCP_NODELAY is already on in Bun (runtime.md §1.2).
    const pending = Bun.connect(options as unknown as Bun.TCPSocketConnectOptions<BunConn | undefined>);
    return raceAbort(pending, o.signal);
  },

  // attempt(): a failure to bind (EADDRINUSE) rejects instead of throwing.
  listen: ({ host, port }): Promise<Listener> =>
    attempt(() => listenTcp({ hostname: host, port }, (l) => tcpAddr(l.hostname, l.port))),

  async listenUnix(path: string): Promise<UnixListener> {
    const queue = new AcceptQueue();
    const l = await listenPrivate(path, () =>
      Bun.listen<BunConn | undefined>({
        unix: path,
        allowHalfOpen: true,
        data: undefined,
        socket: server(queue, openUnix(path)),
      }));
    const stop = () => {
      l.stop(false);
      queue.end();
    };
    return unixListener(path, stop, () => queue[Symbol.asyncIterator]());
  },

  async connectUnix(path: string): Promise<Conn> {
    const s = await Bun.connect<BunConn | undefined>({
      unix: path,
      allowHalfOpen: true,
      data: undefined,
      socket: unixClient(path),
    });
    return s.data!;
  },
};

export const bunNet: SocketAdapter = withSecurity(plainBunNet, bunLibc, bunHandoff);
