/**
 * The path attributes of an UPDATE as ExaBGP lays them out: sorted by type code, MP_REACH/MP_UNREACH left
 * out (lib/rib/update_packer.ts puts the MP attribute last, ExaBGP's `attr + mp_unreach + mp_reach`), and
 * AS4_PATH / AS4_AGGREGATOR added towards a 2-octet peer (RFC 6793).
 */
import { as4PathFor, needsAs4Path } from "../attribute/as_path.ts";
import { encodeAttribute } from "../attribute/codec.ts";
import { concatBytes } from "../bytes.ts";
import type { Attribute, CodecContext } from "../types.ts";

/**
 * RFC 6793 §4.2.2: towards a 2-octet peer, a path or aggregator with 4-octet ASNs also travels as
 * AS4_PATH / AS4_AGGREGATOR (the AS_PATH/AGGREGATOR codecs write AS_TRANS in their place).
 */
function withAs4Attributes(attrs: Attribute[]): Attribute[] {
  const has = (kind: Attribute["kind"]) => attrs.some((a) => a.kind === kind);
  const out = attrs.slice();
  for (const a of attrs) {
    if (a.kind === "as-path" && needsAs4Path(a.segments) && !has("as4-path")) {
      out.push(as4PathFor(a.segments));
    }
    if (a.kind === "aggregator" && a.asn > 0xffff && !has("as4-aggregator")) {
      out.push({ code: 18, kind: "as4-aggregator", asn: a.asn, address: a.address });
    }
  }
  return out;
}

/** The path attributes of a route, sorted by type code, MP_REACH/MP_UNREACH left out (the packers of lib/rib/update_packer.ts add them). */
export function encodePathAttributes(attrs: readonly Attribute[], ctx: CodecContext): Uint8Array {
  let list: Attribute[] = attrs.filter((a) => a.kind !== "mp-reach" && a.kind !== "mp-unreach");
  if (!ctx.asn4) list = withAs4Attributes(list);
  list.sort((a, b) => a.code - b.code); // stable: equal codes keep their order
  return concatBytes(list.map((a) => encodeAttribute(a, ctx)));
}
