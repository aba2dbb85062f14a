/**
 * Helpers for the speaker's listening sockets: which configured neighbor an accepted connection belongs
 * to, and the refusal of connections no neighbor wants (Cease 6/5, RFC 4486 §4).
 */
import { ErrorCode } from "../bgp/error.ts";
import { normaliseAddress } from "../bgp/ip.ts";
import { encodeMessage } from "../bgp/message/codec.ts";
import { CeaseSubcode, notification } from "../bgp/message/notification.ts";
import { DEFAULT_CONTEXT } from "../bgp/types.ts";
import type { Addr, Conn, Listener } from "../runtime/types.ts";

/** What matching needs from a Peer (its configured addresses). */
export interface Matchable {
  readonly options: { readonly peerAddress: string; readonly localAddress?: string };
}

/** Lower-case text with IPv4-mapped IPv6 unwrapped, so that "::FFFF:127.0.0.1" equals "127.0.0.1". */
function canonical(address: string): string {
  return normaliseAddress(address.toLowerCase());
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
