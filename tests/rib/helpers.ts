/** Helpers of the RIB tests: routes from text, hex of conformance `raw:` lines, draining an Adj-RIB-Out. */
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../../lib/bgp/family.ts";
import { prefixNlri } from "../../lib/bgp/nlri/prefix.ts";
import type { Attribute, NextHop, Route } from "../../lib/bgp/types.ts";
import type { AdjRibOut, RibNegotiated } from "../../lib/rib/adj_rib_out.ts";

export { familyKey, IPV4_UNICAST, IPV6_UNICAST };

/** Hex of bytes, upper case (as the conformance .msg files write them). */
export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
}

export function fromHex(text: string): Uint8Array {
  const h = raw(text);
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(i * 2, i * 2 + 2), 16));
}

/** A conformance `raw:` line's content, separators removed. */
export function raw(line: string): string {
  return line.replace(/[^0-9a-fA-F]/g, "").toUpperCase();
}

/** `route PREFIX next-hop NH [attributes]` as the configuration or the API would produce it. */
export function route(
  prefix: string,
  nextHop: string,
  attributes: Attribute[] = [],
  extra: Partial<Route> = {},
): Route {
  const nh: NextHop = nextHop === "self" ? { kind: "self" } : { kind: "ip", address: nextHop };
  return { nlri: prefixNlri(prefix), nextHop: nh, attributes, ...extra };
}

export function negotiated(
  families: number[] = [IPV4_UNICAST],
  more: Partial<RibNegotiated> = {},
): RibNegotiated {
  return { families, asn4: true, addPathSend: new Set(), maxMessageSize: 4096, ...more };
}

/** Everything pending, as upper-case hex. */
export function drain(rib: AdjRibOut): string[] {
  return rib.next(Infinity).map(hex);
}

export function sorted(list: string[]): string[] {
  return [...list].sort();
}
