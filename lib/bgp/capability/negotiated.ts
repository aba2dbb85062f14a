/**
 * What a session negotiated from the two OPENs (RFC 5492 §3: a capability is in use when both sides
 * advertised it), and the checks of the peer's OPEN that depend on configuration (RFC 4271 §6.2).
 */
import { BgpError, ErrorCode } from "../error.ts";
import { type FamilyKey, familyKey, IPV4_UNICAST } from "../family.ts";
import { OpenSubcode } from "../message/open.ts";
import { EXTENDED_MESSAGE_SIZE, MAX_MESSAGE_SIZE } from "../message/header.ts";
import type { Capability, CodecContext, ExtendedNextHopEntry, OpenMessage } from "../types.ts";
import type { CapabilityOf } from "./codec.ts";

export type RefreshMode = "absent" | "normal" | "enhanced";

/** RFC 7911 §4 Send/Receive values (bit flags). */
export const AddPathMode = { RECEIVE: 1, SEND: 2, BOTH: 3 } as const;

export interface Negotiated {
  /** Families both sides can exchange, in the peer's order (ExaBGP's order). */
  readonly families: ReadonlySet<FamilyKey>;
  /** Both sides sent the 4-octet AS capability (RFC 6793). */
  readonly asn4: boolean;
  /** Our AS and the peer's real AS (from its 4-octet AS capability when present, RFC 6793 §4.1). */
  readonly localAs: number;
  readonly peerAs: number;
  readonly peerRouterId: string;
  /** RFC 4271 §4.2: the smaller of the two hold times; keepalive = hold / 3 (0 = no keepalives). */
  readonly holdTime: number;
  readonly keepalive: number;
  /** RFC 7911: families where we send / receive path identifiers. */
  readonly addPathSend: ReadonlySet<FamilyKey>;
  readonly addPathReceive: ReadonlySet<FamilyKey>;
  readonly refresh: RefreshMode;
  /** RFC 8654: both sides sent extended message. */
  readonly extendedMessage: boolean;
  readonly maxMessageSize: number;
  /** RFC 8950 entries both sides advertised. */
  readonly nextHop: readonly ExtendedNextHopEntry[];
  /** The NLRI families of `nextHop`: where a next hop of the other address family may be sent. */
  readonly extendedNextHop: ReadonlySet<FamilyKey>;
  readonly multisession: boolean;
  readonly operational: boolean;
  /** The peer's graceful-restart capability, when it sent one (RFC 4724). */
  readonly peerGracefulRestart?: CapabilityOf<"graceful-restart">;
  /** Context to decode what the peer sends (path ids where we receive them). */
  readonly decode: CodecContext;
  /** Context to encode what we send (path ids where we send them). */
  readonly encode: CodecContext;
}

function find<N extends Capability["name"]>(open: OpenMessage, name: N): CapabilityOf<N> | undefined {
  return open.capabilities.find((c) => c.name === name) as CapabilityOf<N> | undefined;
}
function has(open: OpenMessage, name: Capability["name"]): boolean {
  return open.capabilities.some((c) => c.name === name);
}
function both(local: OpenMessage, remote: OpenMessage, name: Capability["name"]): boolean {
  return has(local, name) && has(remote, name);
}

/** RFC 4760 §1: without any multiprotocol capability a speaker does IPv4 unicast only. */
function familiesOf(open: OpenMessage): FamilyKey[] {
  const keys: FamilyKey[] = [];
  for (const c of open.capabilities) if (c.name === "multiprotocol") keys.push(familyKey(c.afi, c.safi));
  return keys.length === 0 ? [IPV4_UNICAST] : keys;
}

/** Modes per family, OR-ed across every ADD-PATH capability of the OPEN. */
function addPathModes(open: OpenMessage): Map<FamilyKey, number> {
  const modes = new Map<FamilyKey, number>();
  for (const c of open.capabilities) {
    if (c.name !== "add-path") continue;
    for (const e of c.entries) {
      const key = familyKey(e.afi, e.safi);
      modes.set(key, (modes.get(key) ?? 0) | e.mode);
    }
  }
  return modes;
}

/** The real AS an OPEN speaks for: the 4-octet AS capability when there is one, else the 2-byte field. */
export function openAs(open: OpenMessage): number {
  return find(open, "asn4")?.asn ?? open.asn;
}

export function negotiate(local: OpenMessage, remote: OpenMessage): Negotiated {
  const localFamilies = new Set(familiesOf(local));
  const families = new Set(familiesOf(remote).filter((f) => localFamilies.has(f)));

  const localModes = addPathModes(local);
  const remoteModes = addPathModes(remote);
  const addPathSend = new Set<FamilyKey>();
  const addPathReceive = new Set<FamilyKey>();
  for (const family of families) {
    const ours = localModes.get(family) ?? 0;
    const theirs = remoteModes.get(family) ?? 0;
    // RFC 7911 §4: send only where the peer said it can receive, and the reverse.
    if (ours & AddPathMode.SEND && theirs & AddPathMode.RECEIVE) addPathSend.add(family);
    if (ours & AddPathMode.RECEIVE && theirs & AddPathMode.SEND) addPathReceive.add(family);
  }

  const asn4 = both(local, remote, "asn4");
  const extendedMessage = both(local, remote, "extended-message");
  const maxMessageSize = extendedMessage ? EXTENDED_MESSAGE_SIZE : MAX_MESSAGE_SIZE;
  const holdTime = Math.min(local.holdTime, remote.holdTime);

  const localNextHops = find(local, "extended-next-hop")?.entries ?? [];
  const nextHop = (find(remote, "extended-next-hop")?.entries ?? []).filter((r) =>
    localNextHops.some((l) => l.afi === r.afi && l.safi === r.safi && l.nextHopAfi === r.nextHopAfi)
  );

  // RFC 7313 §3.1: enhanced needs both sides' enhanced capability; ExaBGP does not also ask for code 2.
  const refresh: RefreshMode = both(local, remote, "enhanced-route-refresh")
    ? "enhanced"
    : both(local, remote, "route-refresh") || both(local, remote, "route-refresh-cisco")
    ? "normal"
    : "absent";

  const multisession = local.capabilities.some((l) =>
    l.name === "multi-session" &&
    remote.capabilities.some((r) => r.name === "multi-session" && r.code === l.code)
  );

  const localAs = openAs(local);
  // RFC 6793 §4.1: a 4-octet speaker's real AS is in its capability; with a 2-octet peer, its field.
  const peerAs = asn4 ? openAs(remote) : remote.asn;
  const decode: CodecContext = { asn4, addPath: addPathReceive, maxMessageSize };
  return {
    families,
    asn4,
    localAs,
    peerAs,
    peerRouterId: remote.routerId,
    holdTime,
    keepalive: Math.floor(holdTime / 3),
    addPathSend,
    addPathReceive,
    refresh,
    extendedMessage,
    maxMessageSize,
    nextHop,
    extendedNextHop: new Set(nextHop.map((e) => familyKey(e.afi, e.safi))),
    multisession,
    operational: both(local, remote, "operational"),
    peerGracefulRestart: find(remote, "graceful-restart"),
    decode: localAs === peerAs ? decode : { ...decode, external: true },
    encode: { asn4, addPath: addPathSend, maxMessageSize },
  };
}

/**
 * Checks the peer's OPEN against configuration, throwing BgpError 2/x:
 * - 2/2 Bad Peer AS when its AS (RFC 6793-aware) is not the configured peer-as (unless "auto");
 * - 2/3 Bad BGP Identifier when, on iBGP, it uses our own router-id (RFC 6286 §2.2).
 * The checks that need no configuration (version, AS 0, hold time, 0.0.0.0) are decodeOpen's.
 */
export function validateOpen(
  open: OpenMessage,
  expectedPeerAs: number | "auto",
  localAs: number,
  localRouterId?: string,
): void {
  const peerAs = openAs(open);
  if (expectedPeerAs !== "auto" && peerAs !== expectedPeerAs) {
    throw new BgpError(
      ErrorCode.OPEN_MESSAGE,
      OpenSubcode.BAD_PEER_AS,
      undefined,
      `ASN in OPEN (${peerAs}) did not match ASN expected (${expectedPeerAs})`,
    );
  }
  if (peerAs === localAs && localRouterId !== undefined && open.routerId === localRouterId) {
    throw new BgpError(
      ErrorCode.OPEN_MESSAGE,
      OpenSubcode.BAD_BGP_IDENTIFIER,
      undefined,
      `BGP Identifier collision, same router-id (${open.routerId}) on both sides of this IBGP session`,
    );
  }
}
