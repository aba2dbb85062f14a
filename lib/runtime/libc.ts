/**
 * The few libc calls tsbgp makes through FFI, for the socket options no runtime exposes (runtime.md §5):
 * TCP_MD5SIG (RFC 2385) and GTSM's IP_TTL / IP_MINTTL (RFC 5082). One small interface, a Deno backend
 * (Deno.dlopen, libc_deno.ts) and a Bun backend (bun:ffi, libc_bun.ts). Every call returns what libc
 * returns (-1 on failure, then `errno()` tells why), so secure_socket.ts holds the logic once.
 */

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): number;
  /** `value` receives the option; `length` is a 4-byte socklen_t in and out. */
  getsockopt(fd: number, level: number, name: number, value: Uint8Array, length: Uint8Array): number;
  bind(fd: number, address: Uint8Array): number;
  connect(fd: number, address: Uint8Array): number;
  listen(fd: number, backlog: number): number;
  /** `address` receives the bound sockaddr; `length` is a 4-byte socklen_t in and out. */
  getsockname(fd: number, address: Uint8Array, length: Uint8Array): number;
  /** `fds`: struct pollfd[] (8 bytes each). */
  poll(fds: Uint8Array, count: number, timeoutMs: number): number;
  /** fcntl(2) with an int argument (F_SETPIPE_SZ). */
  fcntl(fd: number, cmd: number, arg: number): number;
  close(fd: number): number;
  /** errno of the last failed call on this thread. */
  errno(): number;
}

/** Linux values (identical on x86_64 and aarch64, the targets tsbgp builds for). */
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;
export const IP_TTL = 2;
export const IP_MINTTL = 21;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MINHOPCOUNT = 73;
export const IPV6_V6ONLY = 26;
export const TCP_MD5SIG = 14;
export const POLLOUT = 4;
export const POLLERR = 8;
export const POLLHUP = 16;
export const EINTR = 4;
export const EINPROGRESS = 115;
/** fcntl(2), Linux 2.6.35+: sets a pipe's capacity (up to /proc/sys/fs/pipe-max-size unprivileged). */
export const F_SETPIPE_SZ = 1031;

/** A few errno names for messages; the number is always given too. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  9: "EBADF",
  13: "EACCES",
  22: "EINVAL",
  24: "EMFILE",
  92: "ENOPROTOOPT",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  101: "ENETUNREACH",
  104: "ECONNRESET",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
};

export function errnoName(errno: number): string {
  return `${ERRNO_NAMES[errno] ?? "errno"} (${errno})`;
}

/** A libc call failed: which one, and errno. */
export class SocketCallError extends Error {
  constructor(readonly call: string, readonly errno: number, context = "") {
    super(`${call} failed: ${errnoName(errno)}${context ? ` (${context})` : ""}`);
    this.name = "SocketCallError";
  }
}

/**
 * TCP-MD5 or GTSM was configured but libc cannot be reached: the runtime has no FFI permission (Deno
 * without --allow-ffi), the platform is not Linux, or libc.so.6 is missing (a musl system).
 */
export class FfiUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(
      `TCP-MD5 (md5-password) and GTSM (outgoing-ttl/incoming-ttl) need FFI access to libc, which is ` +
        `unavailable: ${reason}`,
    );
    this.name = "FfiUnavailableError";
  }
}

/**
 * libc's functions as both FFIs hand them out (Deno.dlopen with "buffer" pointers, bun:ffi with `ptr`): lengths
 * passed explicitly, nfds_t as a 64-bit integer, `__errno_location` left to the backend (reading a pointer is
 * runtime-specific).
 */
export interface LibcSymbols {
  socket(domain: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array, valueLength: number): number;
  getsockopt(fd: number, level: number, name: number, value: Uint8Array, length: Uint8Array): number;
  bind(fd: number, address: Uint8Array, addressLength: number): number;
  connect(fd: number, address: Uint8Array, addressLength: number): number;
  listen(fd: number, backlog: number): number;
  getsockname(fd: number, address: Uint8Array, length: Uint8Array): number;
  poll(fds: Uint8Array, count: bigint, timeoutMs: number): number;
  fcntl(fd: number, cmd: number, arg: number): number;
  close(fd: number): number;
}

/** The Libc interface over a backend's symbols; `errno` reads the calling thread's errno. */
export function libcFrom(s: LibcSymbols, errno: () => number): Libc {
  return {
    socket: (d, t, p) => s.socket(d, t, p),
    setsockopt: (fd, level, name, value) => s.setsockopt(fd, level, name, value, value.byteLength),
    getsockopt: (fd, level, name, value, length) => s.getsockopt(fd, level, name, value, length),
    bind: (fd, a) => s.bind(fd, a, a.byteLength),
    connect: (fd, a) => s.connect(fd, a, a.byteLength),
    listen: (fd, backlog) => s.listen(fd, backlog),
    getsockname: (fd, address, length) => s.getsockname(fd, address, length),
    poll: (fds, count, timeoutMs) => s.poll(fds, BigInt(count), timeoutMs),
    fcntl: (fd, cmd, arg) => s.fcntl(fd, cmd, arg),
    close: (fd) => s.close(fd),
    errno,
  };
}

/** Loads libc once per process; the promise rejects with FfiUnavailableError. */
export type LibcLoader = () => Promise<Libc>;

/** Memoises a loader (the first outcome, success or failure, is the answer from then on). */
export function once(load: LibcLoader): LibcLoader {
  let p: Promise<Libc> | undefined;
  return () => (p ??= load());
}

/** The glibc soname; the backends open it by this name. */
export const LIBC_NAME = "libc.so.6";
