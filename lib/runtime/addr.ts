/** Addr values for the adapter: one place that normalises what the runtimes report. */
import type { Addr } from "./types.ts";
import { normaliseAddress } from "../bgp/ip.ts";

/** A TCP endpoint; `::ffff:a.b.c.d` (a dual-stack listener's IPv4 client) becomes `a.b.c.d`. */
export function tcpAddr(address: string, port: number): Addr {
  const a = normaliseAddress(address);
  return { address: a, port, family: a.includes(":") ? "IPv6" : "IPv4" };
}

/**
 * A Unix socket endpoint. Addr has no unix family, so the path goes in `address` with a "unix:" prefix
 * (never a valid IP, so it cannot be mistaken for a peer) and port 0.
 */
export function unixAddr(path: string): Addr {
  return { address: `unix:${path}`, port: 0, family: "IPv4" };
}
