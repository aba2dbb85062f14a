/**
 * STAND-IN — remove when lib/bgp/message/update_builder.ts exports `encodePathAttributes`.
 *
 * A minimal private encoder of path attributes (RFC 4271 §4.3) so that the RIB can be built and tested before
 * the real codec lands: sorted by type code, MP_REACH/MP_UNREACH excluded, extended length (0x10) only
 * above 255 bytes. It covers the attributes that configurations and the API produce; `lib/rib/wire.ts` is the
 * one place that chooses between it and the real one.
 */
import { ipToBytes } from "../bgp/ip.ts";
import type { AsPathSegment, Attribute, CodecContext } from "../bgp/types.ts";

const AS_TRANS = 23456;

function u32(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function asPath(segments: readonly AsPathSegment[], wide: boolean): number[] {
  const out: number[] = [];
  for (const s of segments) {
    out.push(s.type, s.asns.length);
    for (const asn of s.asns) {
      if (wide) out.push(...u32(asn));
      else {
        // RFC 6793 §4.2.2: an ASN that does not fit in two octets is sent as AS_TRANS.
        const v = asn > 0xffff ? AS_TRANS : asn;
        out.push(v >>> 8, v & 0xff);
      }
    }
  }
  return out;
}

type Value = { flags: number; value: ArrayLike<number> };

/** Flags and value bytes per attribute kind (one handler per kind). */
const ENCODERS: { [K in Attribute["kind"]]?: (a: Extract<Attribute, { kind: K }>, ctx: CodecContext) => Value } = {
  origin: (a) => ({ flags: 0x40, value: [a.value] }),
  "as-path": (a, ctx) => ({ flags: 0x40, value: asPath(a.segments, ctx.asn4) }),
  "next-hop": (a) => ({ flags: 0x40, value: ipToBytes(a.address) }),
  med: (a) => ({ flags: 0x80, value: u32(a.value) }),
  "local-preference": (a) => ({ flags: 0x40, value: u32(a.value) }),
  "atomic-aggregate": () => ({ flags: 0x40, value: [] }),
  aggregator: (a, ctx) => ({
    flags: 0xc0,
    value: [...(ctx.asn4 ? u32(a.asn) : [(a.asn > 0xffff ? AS_TRANS : a.asn) >>> 8, a.asn & 0xff]), ...ipToBytes(a.address)],
  }),
  community: (a) => ({ flags: 0xc0, value: a.values.flatMap(u32) }),
  "originator-id": (a) => ({ flags: 0x80, value: ipToBytes(a.address) }),
  "cluster-list": (a) => ({ flags: 0x80, value: a.addresses.flatMap((x) => [...ipToBytes(x)]) }),
  "extended-community": (a) => ({ flags: 0xc0, value: a.values.flatMap((v) => [...v]) }),
  "as4-path": (a) => ({ flags: 0xc0, value: asPath(a.segments, true) }),
  "as4-aggregator": (a) => ({ flags: 0xc0, value: [...u32(a.asn), ...ipToBytes(a.address)] }),
  aigp: (a) => {
    const v = [1, 0, 11];
    for (let i = 56n; i >= 0n; i -= 8n) v.push(Number((a.value >> i) & 0xffn));
    return { flags: 0x80, value: v };
  },
  "large-community": (a) => ({ flags: 0xc0, value: a.values.flatMap(([g, l1, l2]) => [...u32(g), ...u32(l1), ...u32(l2)]) }),
  generic: (a) => ({ flags: a.flags & ~0x10, value: a.value }),
};

/** The path attributes of `attrs` on the wire, sorted by type code; MP_REACH/MP_UNREACH are skipped. */
export function encodePathAttributes(attrs: readonly Attribute[], ctx: CodecContext): Uint8Array {
  const sorted = attrs.filter((a) => a.code !== 14 && a.code !== 15).sort((a, b) => a.code - b.code);
  const out: number[] = [];
  for (const a of sorted) {
    const enc = ENCODERS[a.kind] as ((a: Attribute, ctx: CodecContext) => Value) | undefined;
    if (!enc) throw new Error(`stand-in encoder: attribute ${a.kind} not supported`);
    const { flags, value } = enc(a, ctx);
    if (value.length > 255) out.push(flags | 0x10, a.code, value.length >> 8, value.length & 0xff);
    else out.push(flags, a.code, value.length);
    for (let i = 0; i < value.length; i++) out.push(value[i]);
  }
  return new Uint8Array(out);
}
