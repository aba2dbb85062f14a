/**
 * The runtime adapter's contract: everything the core needs from Deno or Bun (sockets, processes, signals,
 * environment, files). Only lib/runtime/ may touch `Deno.*` or `Bun.*`; the rest of the code sees these types.
 */

import type { ListenSecurity, SocketSecurity } from "./secure_socket.ts";

export type { ListenSecurity, Md5Key, SocketSecurity } from "./secure_socket.ts";

export interface Addr {
  /** IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are normalised to a.b.c.d. */
  readonly address: string;
  readonly port: number;
  readonly family: "IPv4" | "IPv6";
}

/** A TCP connection as Web Streams with back-pressure in both directions. */
export interface Conn {
  /** Bounded: the adapter pauses the socket when the consumer falls behind. */
  readonly readable: ReadableStream<Uint8Array>;
  /** `write()` resolves once the kernel took the bytes; `close()` sends FIN. */
  readonly writable: WritableStream<Uint8Array>;
  readonly localAddr: Addr;
  readonly remoteAddr: Addr;
  setNoDelay(on: boolean): void;
  /** Closes both directions at once (no FIN handshake wait). Idempotent. */
  close(): void;
  /** Resolves when the socket is fully closed, whichever side closed it. */
  readonly closed: Promise<void>;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Source address (`local-address`); the Deno backend uses node:net for this case (Deno.connect cannot bind). */
  readonly localAddress?: string;
  readonly localPort?: number;
  /** Aborts the connection attempt (connect timeout). */
  readonly signal?: AbortSignal;
  /** TCP-MD5 and GTSM (made through FFI, see secure_socket.ts); rejects with FfiUnavailableError without FFI. */
  readonly security?: SocketSecurity;
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** TCP-MD5 keys of the peers that may connect, TTLs of the accepted connections (FFI, as `security` above). */
  readonly security?: ListenSecurity;
}

export interface Listener extends AsyncIterable<Conn> {
  readonly addr: Addr;
  close(): void;
}

export interface UnixListener extends AsyncIterable<Conn> {
  readonly path: string;
  close(): void;
}

export interface SocketAdapter {
  readonly name: string;
  connect(options: ConnectOptions): Promise<Conn>;
  listen(options: ListenOptions): Promise<Listener>;
  /** Resolves when `security` options can be honoured (FFI reachable); rejects with FfiUnavailableError. */
  checkSecurity(): Promise<void>;
  /** Unix domain socket (control channel); the file is created with mode 0600. */
  listenUnix(path: string): Promise<UnixListener>;
  connectUnix(path: string): Promise<Conn>;
}

export interface ChildProcess {
  readonly pid: number;
  /** With back-pressure: `write()` waits when the pipe is full (never buffers without bound). */
  readonly stdin: WritableStream<Uint8Array>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Exit code, or the signal's name when killed by one. */
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  kill(signal?: string): void;
}

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
}

export type SignalName = "SIGTERM" | "SIGHUP" | "SIGINT" | "SIGUSR1" | "SIGUSR2" | "SIGALRM";

export interface Runtime {
  readonly name: "deno" | "bun";
  readonly version: string;
  readonly net: SocketAdapter;
  /** Program arguments after the script (or the executable) name. */
  args(): string[];
  env(name: string): string | undefined;
  envAll(): Record<string, string>;
  cwd(): string;
  pid(): number;
  ppid(): number;
  hostname(): string;
  exit(code: number): never;
  readTextFile(path: string): Promise<string>;
  readTextFileSync(path: string): string;
  writeTextFile(path: string, text: string): Promise<void>;
  /** Resolves the path of the running program (the compiled binary, or the runtime + script). */
  selfCommand(): string[];
  spawn(cmd: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Returns a function that removes the handler. */
  onSignal(signal: SignalName, handler: () => void): () => void;
  /**
   * What the runtime itself does when `signal` arrives, besides our handlers, that the operator must know
   * (Deno 2.9.2+ starts its V8 inspector on SIGUSR1); undefined when nothing.
   */
  signalSideEffect(signal: SignalName): string | undefined;
  /** Sends a signal to a process we started (by PID). */
  kill(pid: number, signal: SignalName | "SIGKILL"): void;
}
