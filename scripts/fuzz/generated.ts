/**
 * Generated UPDATEs, one set per family the NLRI codec table knows (lib/bgp/nlri/codec.ts): an
 * announcement (ORIGIN, AS_PATH, a community, MP_REACH_NLRI with the family's next hop, RFC 4760 §3), a
 * withdrawal (MP_UNREACH_NLRI, §4) and the same two with RFC 7911 path identifiers. The NLRI are those the
 * conformance suite sends for the family, plus hand-written ones (from each family's RFC) for the families
 * the suite never sends.
 */
import { decodeUpdate } from "../../lib/bgp/message/update.ts";
import { frame } from "../../lib/bgp/message/header.ts";
import {
  familyAfi,
  type FamilyKey,
  familyKey,
  familyName,
  familySafi,
  IPV4_UNICAST,
  IPV6_UNICAST,
} from "../../lib/bgp/family.ts";
import { encodeNlri } from "../../lib/bgp/nlri/codec.ts";
import { BGPLS_FAMILIES } from "../../lib/bgp/nlri/bgpls.ts";
import { L2VPN_EVPN } from "../../lib/bgp/nlri/evpn.ts";
import { FLOW_FAMILIES } from "../../lib/bgp/nlri/flow.ts";
import { LABELED_FAMILIES } from "../../lib/bgp/nlri/labeled.ts";
import { MUP_FAMILIES } from "../../lib/bgp/nlri/mup.ts";
import { MVPN_FAMILIES } from "../../lib/bgp/nlri/mvpn.ts";
import { RTC_FAMILIES } from "../../lib/bgp/nlri/rtc.ts";
import { SR_POLICY_FAMILIES } from "../../lib/bgp/nlri/sr_policy.ts";
import { L2VPN_VPLS } from "../../lib/bgp/nlri/vpls.ts";
import { DEFAULT_CONTEXT, MessageType } from "../../lib/bgp/types.ts";
import { fromHex, type Seed, toHex } from "./corpus.ts";

/** Every family with an NLRI codec: the families the fuzzer covers one by one. */
export const FAMILIES: readonly FamilyKey[] = [
  IPV4_UNICAST,
  familyKey(1, 2),
  IPV6_UNICAST,
  familyKey(2, 2),
  ...LABELED_FAMILIES,
  ...FLOW_FAMILIES,
  L2VPN_VPLS,
  L2VPN_EVPN,
  ...MVPN_FAMILIES,
  ...BGPLS_FAMILIES,
  ...RTC_FAMILIES,
  ...SR_POLICY_FAMILIES,
  ...MUP_FAMILIES,
];

/** "ipv4/unicast" or "ipv4 unicast" → the family key; undefined when not one of FAMILIES. */
export function parseFamilyName(text: string): FamilyKey | undefined {
  const wanted = text.replace("/", " ").toLowerCase();
  return FAMILIES.find((f) => familyName(f) === wanted);
}

const RD = "00010A0000010064"; // type 1: 10.0.0.1:100 (RFC 4364 §4.2)
const ESI = "00".repeat(10);
const LABEL = "000641"; // label 100, bottom of stack (RFC 3032)

/** NLRI (wire hex, without path id) for the families the suite does not send, from their RFCs. */
const HAND_WRITTEN: ReadonlyMap<FamilyKey, readonly string[]> = new Map([
  [familyKey(1, 2), ["18C00002", "200A000001"]], // RFC 4760 §5: as unicast
  [familyKey(2, 2), ["4020010DB800000001", "00"]],
  [familyKey(2, 4), [`58${LABEL}20010DB800000001`]], // RFC 8277 §2: length counts the label
  [familyKey(2, 134), [`13${RD}01400020010DB800000000`]], // RFC 8956 §3 type 1, RFC 8955 §8 RD
  [L2VPN_EVPN, [
    `0119${RD}${ESI}00000000${LABEL}`, // RFC 7432 §7.1 Ethernet A-D
    `0225${RD}${ESI}0000000030001122334455200A000001${LABEL}`, // §7.2 MAC/IP advertisement
    `0311${RD}00000000200A000001`, // §7.3 inclusive multicast Ethernet tag
    `0417${RD}${ESI}200A000001`, // §7.4 Ethernet segment
    `0522${RD}${ESI}00000000180A00000000000000${LABEL}`, // RFC 9136 §3 IP prefix
  ]],
  // RFC 9552 §5.2: node NLRI (type 1) behind an RD, protocol 3, identifier 1, local node descriptors
  [familyKey(16388, 72), [
    `0001002D${RD}03${"0000000000000001"}01000018${"020000040000FDE9"}${"020100040A000001"}${"020300040A000001"}`,
  ]],
  // RFC 9830 §2.1: length in bits, distinguisher, color, endpoint
  [familyKey(1, 73), ["60" + "00000001" + "00000064" + "0A000001"]],
  [familyKey(2, 73), ["C0" + "00000001" + "00000064" + "20010DB8000000000000000000000001"]],
  [familyKey(1, 132), ["600000FDE90002FDE900000001", "00"]], // RFC 4684 §4
]);

/** The next hop field of MP_REACH_NLRI per family (RFC 4760 §3; VPN: RD 0 + address, RFC 4364 §4.3.2). */
function nextHopHex(family: FamilyKey): string {
  const v6 = familyAfi(family) === 2;
  const address = v6 ? "20010DB8000000000000000000000001" : "0A000001";
  const safi = familySafi(family);
  if (safi === 133 || safi === 134) return ""; // RFC 8955 §4: FlowSpec has no next hop
  if (safi === 128) return "0000000000000000" + address;
  return address;
}

function attribute(flags: number, code: number, value: Uint8Array): Uint8Array {
  const extended = value.length > 255;
  const head = extended
    ? [flags | 0x10, code, value.length >> 8, value.length & 0xff]
    : [flags, code, value.length];
  return Uint8Array.from([...head, ...value]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function update(attributes: readonly Uint8Array[]): Uint8Array {
  const a = concat(attributes);
  return frame(MessageType.UPDATE, concat([Uint8Array.of(0, 0, a.length >> 8, a.length & 0xff), a]));
}

const ORIGIN = fromHex("40010100");
const AS_PATH = fromHex("4002060201" + "0000FDE9");
const COMMUNITY = fromHex("C00804FDE90001");

/** The NLRI of the family in the suite's seeds, each as wire hex (one NLRI). */
function suiteNlri(seeds: readonly Seed[], family: FamilyKey): string[] {
  const out = new Set<string>();
  for (const s of seeds) {
    if (s.family !== family) continue;
    let u;
    try {
      u = decodeUpdate(s.bytes.subarray(19), DEFAULT_CONTEXT);
    } catch {
      continue; // a seed the codec refuses still gets fuzzed as a message; it just gives no NLRI here
    }
    const all = [...u.announced, ...u.withdrawn];
    for (const a of u.attributes) if (a.kind === "mp-reach" || a.kind === "mp-unreach") all.push(...a.nlri);
    for (const n of all) {
      if (n.family === family && n.kind !== "raw") out.add(toHex(encodeNlri(n, DEFAULT_CONTEXT)));
    }
  }
  return [...out];
}

/** The path id 1..n in front of each NLRI (RFC 7911 §3). */
function withPathIds(nlri: readonly Uint8Array[]): Uint8Array[] {
  return nlri.map((n, k) => concat([Uint8Array.of(0, 0, 0, k + 1), n]));
}

/** The generated UPDATE seeds of one family (empty when no NLRI is known for it). */
export function familySeeds(family: FamilyKey, suite: readonly Seed[]): Seed[] {
  const nlri = [...new Set([...suiteNlri(suite, family), ...(HAND_WRITTEN.get(family) ?? [])])].map(fromHex);
  if (nlri.length === 0) return [];
  const afiSafi = Uint8Array.of(familyAfi(family) >> 8, familyAfi(family) & 0xff, familySafi(family));
  const nh = fromHex(nextHopHex(family));
  const name = familyName(family).replace(" ", "/");
  const out: Seed[] = [];
  for (const [tag, list] of [["", nlri], [" add-path", withPathIds(nlri)]] as const) {
    const reach = concat([afiSafi, Uint8Array.of(nh.length), nh, Uint8Array.of(0), ...list]);
    const unreach = concat([afiSafi, ...list]);
    out.push({
      source: `generated ${name}${tag} announce`,
      bytes: update([ORIGIN, AS_PATH, COMMUNITY, attribute(0x80, 14, reach)]),
      family,
    });
    out.push({
      source: `generated ${name}${tag} withdraw`,
      bytes: update([attribute(0x80, 15, unreach)]),
      family,
    });
  }
  return out;
}
