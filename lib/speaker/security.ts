/**
 * A neighbor's transport security, from its ExaBGP options to the socket options the runtime adapter sets:
 * `md5-password` / `md5-base64` (TCP-MD5, RFC 2385), `outgoing-ttl` / `incoming-ttl` (GTSM, RFC 5082).
 * Pure functions; the sockets themselves are made in lib/runtime/secure_socket.ts.
 */
import { isIPv4, normaliseAddress } from "../bgp/ip.ts";
import { at, type NeighborConfig } from "../config/model.ts";
import { md5KeyBytes } from "../config/md5_key.ts";
import type { ListenSecurity, Md5Key, SocketSecurity } from "../runtime/types.ts";

/** The options of this neighbor's outgoing connections; undefined when it has none. */
export function neighborSecurity(n: NeighborConfig): SocketSecurity | undefined {
  const key = md5KeyBytes(n);
  const md5: Md5Key | undefined = key ? { address: n.peerAddress, key } : undefined;
  if (md5 === undefined && n.outgoingTtl === undefined && n.incomingTtl === undefined) return undefined;
  return { md5, ttl: n.outgoingTtl, minTtl: n.incomingTtl };
}

/** Whether the neighbor needs FFI sockets. */
export function needsSecureSocket(n: NeighborConfig): boolean {
  return neighborSecurity(n) !== undefined;
}

/** One line per neighbor that needs FFI sockets, to name them when FFI is missing. */
export function secureNeighborList(neighbors: readonly NeighborConfig[]): string {
  return neighbors.filter(needsSecureSocket).map((n) => {
    const what = [
      n.md5Password !== undefined ? "md5-password" : "",
      n.outgoingTtl !== undefined ? "outgoing-ttl" : "",
      n.incomingTtl !== undefined ? "incoming-ttl" : "",
    ].filter((w) => w !== "").join(", ");
    return `neighbor ${n.peerAddress} (${at(n.source)}): ${what}`;
  }).join("; ");
}

function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::";
}

/**
 * Whether a listener on `host` can receive this neighbor's connections: same address family (a "::"
 * listener also takes IPv4 clients) and, for a specific address, the neighbor's local address.
 */
function serves(host: string, n: NeighborConfig): boolean {
  const peerV4 = isIPv4(normaliseAddress(n.peerAddress));
  if (host === "::") return true;
  if (isIPv4(host) !== peerV4) return false;
  if (isWildcard(host) || n.localAddress === "auto") return true;
  return normaliseAddress(n.localAddress) === normaliseAddress(host);
}

/**
 * The listening socket's options for the neighbors it serves: the TCP-MD5 key of each (the kernel picks the
 * key by the connecting address), and TTLs. TTLs are per socket, not per peer, so a listener shared by
 * neighbors that disagree takes the weakest check (the lowest incoming-ttl, none if one has none) and the
 * highest outgoing-ttl; `warnings` says so. A neighbor-specific `listen` port avoids the compromise.
 */
export function listenSecurity(
  host: string,
  neighbors: readonly NeighborConfig[],
): { security: ListenSecurity | undefined; warnings: string[] } {
  const served = neighbors.filter((n) => serves(host, n));
  const md5: Md5Key[] = [];
  for (const n of served) {
    const key = md5KeyBytes(n);
    if (key) md5.push({ address: n.peerAddress, key });
  }
  const warnings: string[] = [];
  const ins = served.map((n) => n.incomingTtl);
  let minTtl: number | undefined;
  if (ins.some((t) => t !== undefined)) {
    if (ins.every((t) => t !== undefined)) minTtl = Math.min(...(ins as number[]));
    const weakened = served.filter((n) => n.incomingTtl !== undefined && n.incomingTtl !== minTtl);
    for (const n of weakened) {
      warnings.push(
        `neighbor ${n.peerAddress} (${at(n.source)}): incoming-ttl ${n.incomingTtl} is not enforced on ` +
          `connections it opens to ${host}: the listener is shared with neighbors that ask for ` +
          `${minTtl === undefined ? "no check" : `incoming-ttl ${minTtl}`} (give it its own 'listen' port)`,
      );
    }
  }
  const outs = served.map((n) => n.outgoingTtl).filter((t): t is number => t !== undefined);
  const ttl = outs.length > 0 ? Math.max(...outs) : undefined;
  if (md5.length === 0 && ttl === undefined && minTtl === undefined) return { security: undefined, warnings };
  return { security: { md5, ttl, minTtl }, warnings };
}
