/**
 * Helpers for the speaker's listening sockets: which configured neighbor an accepted connection belongs
 * to, and the refusal of connections no neighbor wants (Cease 6/5, RFC 4486 §4).
 */
import { ErrorCode } from "../bgp/error.ts";
import { bytesToIp, ipToBytes, isIPv6, normaliseAddress } from "../bgp/ip.ts";
import { encodeMessage } from "../bgp/message/codec.ts";
import { CeaseSubcode, notification } from "../bgp/message/notification.ts";
import { DEFAULT_CONTEXT } from "../bgp/types.ts";
import type { Addr, Conn, Listener } from "../runtime/types.ts";

/** What matching needs from a Peer (its configured addresses). */
export interface Matchable {
  readonly options: { readonly peerAddress: string; readonly localAddress?: string };
}

/**
 * One spelling per address: IPv4-mapped IPv6 unwrapped ("::ffff:127.0.0.1" is "127.0.0.1") and IPv6 in
 * its RFC 5952 form ("0:0:0:0:0:0:0:1" is "::1"). Text that is not an address is compared as it is.
 */
function canonical(address: string): string {
  const a = normaliseAddress(address.toLowerCase());
  if (!isIPv6(a)) return a;
  const b = ipToBytes(a);
  return isMapped(b) ? bytesToIp(b, 12, 4) : bytesToIp(b);
}

/** RFC 4291 §2.5.5.2: ::ffff:a.b.c.d */
function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/**
 * The peer whose peer address is the connection's remote address. When several neighbors share that
 * address, the one whose local address is the connection's local address wins.
 */
export function matchPeer<P extends Matchable>(remote: Addr, local: Addr, peers: Iterable<P>): P | undefined {
  const r = canonical(remote.address);
  const l = canonical(local.address);
  let fallback: P | undefined;
  for (const p of peers) {
    if (canonical(p.options.peerAddress) !== r) continue;
    const want = p.options.localAddress;
    if (want === undefined || canonical(want) === l) return p;
    fallback ??= p;
  }
  return fallback;
}

/** Sends Cease 6/5 Connection Rejected and closes the connection. */
export async function rejectConnection(conn: Conn): Promise<void> {
  const raw = encodeMessage(notification(ErrorCode.CEASE, CeaseSubcode.CONNECTION_REJECTED), DEFAULT_CONTEXT);
  const w = conn.writable.getWriter();
  try {
    await w.write(raw);
    await w.close();
  } catch {
    // the peer is already gone
  }
  conn.close();
}

/**
 * Accepts connections until the listener closes, handing each to the neighbor it matches (`incoming`)
 * or rejecting it. `peers` is called per connection so that a reload's new neighbors are seen.
 */
export async function serve<P extends Matchable & { incoming(conn: Conn): void }>(
  listener: Listener,
  peers: () => Iterable<P>,
): Promise<void> {
  for await (const conn of listener) {
    const peer = matchPeer(conn.remoteAddr, conn.localAddr, peers());
    if (peer) peer.incoming(conn);
    else void rejectConnection(conn);
  }
}
