/**
 * Adds TCP-MD5 / GTSM to a socket adapter: a connect or listen that asks for `security` gets a socket made
 * through libc (secure_socket.ts), handed to the runtime by fd; everything else goes to the plain adapter.
 * The backends differ only in how they adopt an fd (Deno: node:net `Socket({fd})` / `listen({fd})`; Bun:
 * `Bun.connect({fd})` / `Bun.listen({fd})`, runtime.md §5) and in how libc is loaded.
 */
import { tcpAddr } from "./addr.ts";
import type { LibcLoader } from "./libc.ts";
import { boundPort, connectSecure, listenSecure, needsFfi } from "./secure_socket.ts";
import type { Addr, Conn, ConnectOptions, Listener, ListenOptions, SocketAdapter } from "./types.ts";

/** How a backend takes over a socket made through FFI. */
export interface FdHandoff {
  /** `fd` is connected already. */
  adoptFd(fd: number): Promise<Conn>;
  /** `fd` is bound and listening already. */
  listenFd(fd: number, addr: Addr): Promise<Listener>;
}

export type PlainAdapter = Omit<SocketAdapter, "checkSecurity">;

export function withSecurity(plain: PlainAdapter, loadLibc: LibcLoader, handoff: FdHandoff): SocketAdapter {
  return {
    ...plain,
    name: plain.name,
    async checkSecurity(): Promise<void> {
      await loadLibc();
    },

    async connect(o: ConnectOptions): Promise<Conn> {
      if (!needsFfi(o.security)) return plain.connect(o);
      const libc = await loadLibc();
      const fd = await connectSecure(libc, { ...o, security: o.security! });
      return await handOver(() => handoff.adoptFd(fd), () => libc.close(fd));
    },

    async listen(o: ListenOptions): Promise<Listener> {
      if (!needsFfi(o.security)) return plain.listen(o);
      const libc = await loadLibc();
      const fd = listenSecure(libc, { host: o.host, port: o.port, security: o.security! });
      const addr = tcpAddr(o.host, boundPort(libc, fd));
      return await handOver(() => handoff.listenFd(fd, addr), () => libc.close(fd));
    },
  };
}

/** Runs the hand-over; if the runtime refuses the fd, it is closed here (nobody else owns it). */
async function handOver<T>(take: () => Promise<T>, close: () => void): Promise<T> {
  try {
    return await take();
  } catch (e) {
    close();
    throw e;
  }
}
