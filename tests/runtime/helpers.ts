/** Shared helpers for the runtime adapter tests. */
import { existsSync } from "node:fs";
import process from "node:process";
import type { Conn, Listener, SocketAdapter } from "../../lib/runtime/types.ts";

/** Deterministic pseudo-random bytes (xorshift32): reordered, lost or repeated blocks all show up. */
export function pattern(length: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Everything until EOF, as one buffer. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.byteLength;
  }
  reader.releaseLock();
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.byteLength;
  }
  return out;
}

export async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(await readAll(stream));
}

/** "settled" if `p` settles within `ms`, else "pending". */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<"settled" | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), ms)));
  return Promise.race([p.then(() => "settled" as const, () => "settled" as const), pending]).finally(() =>
    clearTimeout(timer)
  );
}

/** Rejects after `ms`, so a broken adapter fails the test instead of hanging it. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fail = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  return Promise.race([p, fail]).finally(() => clearTimeout(timer));
}

/** The first connection the listener accepts. */
export async function acceptOne(l: Listener | AsyncIterable<Conn>): Promise<Conn> {
  for await (const c of l) return c;
  throw new Error("listener ended without a connection");
}

/** A listener on 127.0.0.1 (ephemeral port) and a client connected to it, with the server's side. */
export async function connectedPair(
  server: SocketAdapter,
  client: SocketAdapter,
): Promise<{ listener: Listener; client: Conn; server: Conn }> {
  const listener = await server.listen({ host: "127.0.0.1", port: 0 });
  const accepted = acceptOne(listener);
  const c = await client.connect({ host: "127.0.0.1", port: listener.addr.port });
  return { listener, client: c, server: await within(accepted, 5000, "accept") };
}

/** The python3 on the PATH, if any: a helper for the few tests that need a socket the runtimes cannot make. */
export const python3: string | undefined = (process.env.PATH ?? "")
  .split(":")
  .map((dir) => `${dir}/python3`)
  .find((p) => existsSync(p));
