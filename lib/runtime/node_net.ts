/**
 * node:net behind the Conn contract. Deno uses it where Deno.connect falls short (a source address or port,
 * runtime.md §1.1); it runs unchanged on Bun and Node, which makes it the portable fallback.
 *
 * A hand-rolled wrapper, not Duplex.toWeb: toWeb's writable ignores back-pressure on Deno 2.9 and Node 20
 * (runtime.md §1.4). Here write() waits until the socket has handed the chunk to the kernel, and 'data'
 * pauses the socket once the readable's queue passes its high-water mark; pull() resumes it.
 */
import * as net from "node:net";
import type { Addr, Conn, ConnectOptions, Listener, SocketAdapter, UnixListener } from "./types.ts";
import { tcpAddr, unixAddr } from "./addr.ts";
import { AcceptQueue } from "./accept_queue.ts";
import { PushReadable } from "./push_readable.ts";
import { FfiUnavailableError } from "./libc.ts";
import { denoLibc } from "./libc_deno.ts";
import { type FdHandoff, type PlainAdapter, withSecurity } from "./secure_net.ts";
import { makePrivate, removeStaleSocket, unixListener, withPrivateUmask } from "./unix_path.ts";

class NodeConn implements Conn {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddr: Addr;
  readonly remoteAddr: Addr;
  readonly closed: Promise<void>;
  #sock: net.Socket;

  constructor(sock: net.Socket, local: Addr, remote: Addr) {
    this.#sock = sock;
    this.localAddr = local;
    this.remoteAddr = remote;
    this.closed = new Promise((resolve) => sock.once("close", () => resolve()));
    const reader = new PushReadable(sock, () => this.close());
    this.readable = reader.stream;
    // A plain view, not the Buffer: Buffer#slice shares memory where Uint8Array#slice copies.
    sock.on("data", (b: Uint8Array) => reader.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    sock.on("end", () => reader.end());
    sock.on("error", (e) => reader.end(e));
    sock.on("close", () => reader.end());

    this.writable = new WritableStream<Uint8Array>({
      // Resolves only once the kernel has the bytes (the contract: callers may reuse the buffer). Mostly
      // libuv writes at once and nothing is left queued; otherwise wait for this write's callback.
      write: (chunk) => {
        if (sock.destroyed) throw new Error("socket closed");
        let settle: ((err?: Error | null) => void) | undefined;
        sock.write(chunk, (err) => settle?.(err));
        if (sock.writableLength === 0) return;
        return new Promise<void>((resolve, reject) => {
          settle = (err) => (err ? reject(err) : resolve());
        });
      },
      // FIN; allowHalfOpen keeps our readable going until the peer's FIN.
      close: () => {
        if (sock.destroyed || sock.writableFinished) return;
        const done = waitFor(sock, "finish");
        sock.end();
        return done;
      },
      abort: () => this.close(),
    });
  }

  setNoDelay(on: boolean): void {
    this.#sock.setNoDelay(on);
  }

  close(): void {
    this.#sock.destroy();
  }
}

/** Resolves on `event`, rejects if the socket closes or fails first. */
function waitFor(sock: net.Socket, event: "finish"): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      cleanup();
      resolve();
    };
    const fail = (err?: unknown) => {
      cleanup();
      reject(err instanceof Error ? err : new Error("socket closed"));
    };
    const cleanup = () => {
      sock.off(event, ok);
      sock.off("close", fail);
      sock.off("error", fail);
    };
    sock.once(event, ok);
    sock.once("close", fail);
    sock.once("error", fail);
  });
}

function wrapTcp(sock: net.Socket): Conn {
  sock.setNoDelay(true); // BGP messages are small and latency matters (Nagle is on by default here)
  return new NodeConn(
    sock,
    tcpAddr(sock.localAddress ?? "", sock.localPort ?? 0),
    tcpAddr(sock.remoteAddress ?? "", sock.remotePort ?? 0),
  );
}

function wrapUnix(path: string) {
  return (sock: net.Socket): Conn => new NodeConn(sock, unixAddr(path), unixAddr(path));
}

/** Connects `sock` (already started by `start`), honouring an AbortSignal. */
function connected(
  signal: AbortSignal | undefined,
  start: () => net.Socket,
  wrap: (s: net.Socket) => Conn,
): Promise<Conn> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const sock = start();
    const onAbort = () => {
      cleanup();
      sock.destroy();
      reject(signal!.reason);
    };
    const onError = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onConnect = () => {
      cleanup();
      resolve(wrap(sock));
    };
    const cleanup = () => {
      signal?.removeEventListener("abort", onAbort);
      sock.off("error", onError);
      sock.off("connect", onConnect);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    sock.once("error", onError);
    sock.once("connect", onConnect);
  });
}

/** TCP connect with optional source address/port (`local-address`) and abort. */
export function connectNodeNet(o: ConnectOptions): Promise<Conn> {
  const opts: net.TcpNetConnectOpts = { host: o.host, port: o.port, allowHalfOpen: true };
  if (o.localAddress !== undefined) opts.localAddress = o.localAddress;
  if (o.localPort !== undefined) opts.localPort = o.localPort;
  return connected(o.signal, () => net.connect(opts), wrapTcp);
}

function serve(
  queue: AcceptQueue,
  wrap: (s: net.Socket) => Conn,
): net.Server {
  return net.createServer({ allowHalfOpen: true }, (sock) => queue.push(wrap(sock)));
}

function listening(server: net.Server, listen: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    listen(() => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** A TCP server; `listen` starts it (on an address, or on an fd made through FFI). */
async function listenTcp(listen: (server: net.Server, done: () => void) => void): Promise<Listener> {
  const queue = new AcceptQueue();
  const server = serve(queue, wrapTcp);
  await listening(server, (done) => listen(server, done));
  const a = server.address() as net.AddressInfo;
  return {
    addr: tcpAddr(a.address, a.port),
    close() {
      server.close();
      queue.end();
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
  };
}

/** Deno adopts FFI-made sockets through node:net (runtime.md §5); Bun's `net.Socket({fd})` does not work. */
export const nodeHandoff: FdHandoff = {
  adoptFd: (fd) =>
    Promise.resolve(wrapTcp(new net.Socket({ fd, readable: true, writable: true, allowHalfOpen: true }))),
  listenFd: (fd) => listenTcp((server, done) => server.listen({ fd }, done)),
};

const plainNodeNet: PlainAdapter = {
  name: "node:net",
  connect: connectNodeNet,

  listen: ({ host, port }) => listenTcp((server, done) => server.listen({ host, port }, done)),

  async listenUnix(path: string): Promise<UnixListener> {
    const queue = new AcceptQueue();
    const server = serve(queue, wrapUnix(path));
    await removeStaleSocket(path);
    // The umask covers a bind done inside listen(); makePrivate covers one done later.
    await listening(server, (done) => withPrivateUmask(() => server.listen(path, done)));
    makePrivate(path);
    const stop = () => {
      server.close();
      queue.end();
    };
    return unixListener(path, stop, () => queue[Symbol.asyncIterator]());
  },

  connectUnix(path: string): Promise<Conn> {
    return connected(undefined, () => net.connect({ path, allowHalfOpen: true }), wrapUnix(path));
  },
};

/** The portable adapter; TCP-MD5 / GTSM only on Deno, where node:net can adopt an fd. */
export const nodeNet: SocketAdapter = withSecurity(
  plainNodeNet,
  "Deno" in globalThis
    ? denoLibc
    : () =>
      Promise.reject(new FfiUnavailableError("the node:net adapter cannot adopt a socket on this runtime")),
  nodeHandoff,
);
