/**
 * Preparing a Unix socket path for listening: remove a stale socket left by a killed process (every runtime
 * fails with EADDRINUSE otherwise, runtime.md §4) but never one a running process still listens on, and
 * create the file owner-only (0600), since whoever can connect to the control socket drives the speaker;
 * and remove the file again when the listener closes.
 */
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import * as net from "node:net";
import process from "node:process";
import type { Conn, UnixListener } from "./types.ts";

/** Abstract names ("\0name") have no file. */
function isAbstract(path: string): boolean {
  return path.startsWith("\0");
}

/** True if something accepts connections on `path` (a refused connect means a stale file). */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect({ path });
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}

/** Unlinks `path` if it is a socket nobody listens on; refuses to replace anything else. */
export async function removeStaleSocket(path: string): Promise<void> {
  if (isAbstract(path)) return;
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await isLive(path)) throw new Error(`${path} is in use by a running process`);
  unlinkSync(path);
}

/** Runs `fn` with umask 0177, so a socket file it creates is born 0600 (no window for another user). */
export function withPrivateUmask<T>(fn: () => T): T {
  const old = process.umask(0o177);
  try {
    return fn();
  } finally {
    process.umask(old);
  }
}

/** chmod 0600, in case the runtime created the file before (or without) our umask. */
export function makePrivate(path: string): void {
  if (!isAbstract(path)) chmodSync(path, 0o600);
}

/** A synchronous listen on a Unix path: stale file removed, socket file private. */
export async function listenPrivate<T>(path: string, listen: () => T): Promise<T> {
  await removeStaleSocket(path);
  const result = withPrivateUmask(listen);
  makePrivate(path);
  return result;
}

/** Removes our socket file after closing (ignores a file already gone). */
function removeSocketFile(path: string): void {
  if (isAbstract(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // already removed by the runtime
  }
}

/**
 * The UnixListener of a server listening on `path`: close() runs the backend's `stop` once, then removes
 * the socket file; `accepted` iterates the connections.
 */
export function unixListener(
  path: string,
  stop: () => void,
  accepted: () => AsyncIterator<Conn>,
): UnixListener {
  let closed = false;
  return {
    path,
    close() {
      if (closed) return;
      closed = true;
      stop();
      removeSocketFile(path);
    },
    [Symbol.asyncIterator]: accepted,
  };
}
