/**
 * TCP sockets with the options no runtime exposes, made through libc (runtime.md §5) and then handed to
 * the runtime by file descriptor: TCP-MD5 signatures (RFC 2385, Linux TCP_MD5SIG) and GTSM (RFC 5082:
 * IP_TTL / IPV6_UNICAST_HOPS on what we send, IP_MINTTL / IPV6_MINHOPCOUNT on what we accept).
 *
 * Connecting is non-blocking: connect() returns EINPROGRESS and poll() with a zero timeout is asked on a
 * timer until the socket is writable (a blocking connect through FFI would freeze the event loop for the
 * whole SYN-retry period); SO_ERROR then says whether it worked. Only then is the fd handed over, since
 * Bun.connect({fd}) assumes a connected socket.
 */
import { setTimeout } from "node:timers";
import {
  AF_INET,
  EINPROGRESS,
  EINTR,
  IP_MINTTL,
  IP_TTL,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_MINHOPCOUNT,
  IPV6_UNICAST_HOPS,
  type Libc,
  POLLERR,
  POLLHUP,
  POLLOUT,
  SO_ERROR,
  SO_REUSEADDR,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SocketCallError,
  SOL_SOCKET,
  TCP_MD5SIG,
} from "./libc.ts";
import {
  addressFamily,
  cInt,
  pollfd,
  pollRevents,
  readCInt,
  sockaddr,
  sockaddrPort,
  tcpMd5sig,
} from "./sockaddr.ts";

/** A TCP-MD5 key for one peer address (RFC 2385). */
export interface Md5Key {
  readonly address: string;
  readonly key: Uint8Array;
}

/** Options of one outgoing connection. */
export interface SocketSecurity {
  readonly md5?: Md5Key;
  /** TTL (hop limit) of the packets we send; GTSM sends 255. */
  readonly ttl?: number;
  /** Packets arriving with a lower TTL are dropped by the kernel; GTSM one hop away: 255. */
  readonly minTtl?: number;
}

/** Options of a listening socket: one key per peer that may connect, TTLs for every accepted connection. */
export interface ListenSecurity {
  readonly md5?: readonly Md5Key[];
  readonly ttl?: number;
  readonly minTtl?: number;
}

export interface SecureConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly signal?: AbortSignal;
  readonly security: SocketSecurity;
}

/** Polling interval while a connect is in progress: starts short, backs off to this. */
const POLL_MAX_MS = 50;
const LISTEN_BACKLOG = 128;

/** True when any option needs the FFI path. */
export function needsFfi(s: SocketSecurity | ListenSecurity | undefined): boolean {
  if (s === undefined) return false;
  const md5 = (s as ListenSecurity).md5;
  const hasMd5 = Array.isArray(md5) ? md5.length > 0 : md5 !== undefined;
  return hasMd5 || s.ttl !== undefined || s.minTtl !== undefined;
}

function check(libc: Libc, rc: number, call: string, context?: string): number {
  if (rc < 0) throw new SocketCallError(call, libc.errno(), context);
  return rc;
}

/** Adds (or, with an empty key, removes) the TCP-MD5 key for `peer` on socket `fd`. */
export function setMd5Key(libc: Libc, fd: number, family: number, peer: string, key: Uint8Array): void {
  // An IPv6 socket takes an IPv4 peer in its mapped form (Linux refuses AF_INET on it with EINVAL).
  const value = tcpMd5sig(peer, key, family);
  check(libc, libc.setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, value), "setsockopt(TCP_MD5SIG)", `peer ${peer}`);
}

function setTtls(libc: Libc, fd: number, family: number, ttl?: number, minTtl?: number): void {
  const v4 = family === AF_INET;
  const level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
  if (ttl !== undefined) {
    const name = v4 ? IP_TTL : IPV6_UNICAST_HOPS;
    check(
      libc,
      libc.setsockopt(fd, level, name, cInt(ttl)),
      v4 ? "setsockopt(IP_TTL)" : "setsockopt(IPV6_UNICAST_HOPS)",
    );
  }
  if (minTtl !== undefined) {
    const name = v4 ? IP_MINTTL : IPV6_MINHOPCOUNT;
    const call = v4 ? "setsockopt(IP_MINTTL)" : "setsockopt(IPV6_MINHOPCOUNT)";
    check(libc, libc.setsockopt(fd, level, name, cInt(minTtl)), call);
  }
}

/** A new non-blocking TCP socket for `family`; closed again if `setup` throws. */
function newSocket(libc: Libc, family: number, setup: (fd: number) => void): number {
  const fd = check(libc, libc.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket");
  try {
    setup(fd);
  } catch (e) {
    libc.close(fd);
    throw e;
  }
  return fd;
}

/**
 * A connected TCP socket with the options set before the SYN; resolves to its fd (the caller hands it to
 * the runtime). Rejects with the signal's reason on abort, with SocketCallError when the connect fails.
 */
export async function connectSecure(libc: Libc, o: SecureConnectOptions): Promise<number> {
  if (o.signal?.aborted) throw o.signal.reason;
  const family = addressFamily(o.host);
  const s = o.security;
  const fd = newSocket(libc, family, (fd) => {
    if (s.md5) setMd5Key(libc, fd, family, s.md5.address, s.md5.key);
    setTtls(libc, fd, family, s.ttl, s.minTtl);
    if (o.localAddress !== undefined || o.localPort !== undefined) {
      const local = o.localAddress ?? (family === AF_INET ? "0.0.0.0" : "::");
      if (o.localPort) {
        check(libc, libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, cInt(1)), "setsockopt(SO_REUSEADDR)");
      }
      check(libc, libc.bind(fd, sockaddr(local, o.localPort ?? 0)), "bind", `${local}:${o.localPort ?? 0}`);
    }
    // Non-blocking: 0 (loopback may connect at once) or EINPROGRESS; anything else is a failure.
    if (libc.connect(fd, sockaddr(o.host, o.port)) < 0) {
      const errno = libc.errno();
      if (errno !== EINPROGRESS) throw new SocketCallError("connect", errno, `${o.host}:${o.port}`);
    }
  });
  try {
    await writable(libc, fd, o.signal);
    const err = new Uint8Array(4);
    check(libc, libc.getsockopt(fd, SOL_SOCKET, SO_ERROR, err, cInt(4)), "getsockopt(SO_ERROR)");
    const errno = readCInt(err);
    if (errno !== 0) throw new SocketCallError("connect", errno, `${o.host}:${o.port}`);
    return fd;
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}

/** Waits (on timers, never blocking the loop) until `fd` is writable or failed: the connect finished. */
function writable(libc: Libc, fd: number, signal: AbortSignal | undefined): Promise<void> {
  const fds = pollfd(fd, POLLOUT);
  return new Promise((resolve, reject) => {
    let delay = 1;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = (f: () => void) => {
      signal?.removeEventListener("abort", onAbort);
      f();
    };
    const probe = () => {
      const n = libc.poll(fds, 1, 0);
      if (n < 0 && libc.errno() !== EINTR) {
        return done(() => reject(new SocketCallError("poll", libc.errno())));
      }
      if (n > 0 && (pollRevents(fds) & (POLLOUT | POLLERR | POLLHUP)) !== 0) return done(resolve);
      timer = setTimeout(probe, delay);
      delay = Math.min(delay * 2, POLL_MAX_MS);
    };
    probe();
  });
}

/** A listening TCP socket with one TCP-MD5 key per expected peer and the TTL options; returns its fd. */
export function listenSecure(
  libc: Libc,
  o: { readonly host: string; readonly port: number; readonly security: ListenSecurity },
): number {
  const family = addressFamily(o.host);
  const s = o.security;
  return newSocket(libc, family, (fd) => {
    check(libc, libc.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, cInt(1)), "setsockopt(SO_REUSEADDR)");
    // Before listen(): the key must be on the socket when the peer's SYN arrives (runtime.md §5).
    for (const k of s.md5 ?? []) setMd5Key(libc, fd, family, k.address, k.key);
    setTtls(libc, fd, family, s.ttl, s.minTtl);
    check(libc, libc.bind(fd, sockaddr(o.host, o.port)), "bind", `${o.host}:${o.port}`);
    check(libc, libc.listen(fd, LISTEN_BACKLOG), "listen", `${o.host}:${o.port}`);
  });
}

/** The local port a socket is bound to (the kernel's choice after binding port 0). */
export function boundPort(libc: Libc, fd: number): number {
  const address = new Uint8Array(128);
  check(libc, libc.getsockname(fd, address, cInt(address.byteLength)), "getsockname");
  return sockaddrPort(address);
}
