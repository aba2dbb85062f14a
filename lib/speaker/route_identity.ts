/**
 * A route's identity for configuration diffs (reload): its NLRI, next hop and encoded path attributes, as
 * one string. Two routes with equal identities put the same bytes on the wire.
 */
import { encodePathAttributes } from "../bgp/message/update_builder.ts";
import { nlriKey } from "../bgp/nlri/codec.ts";
import { DEFAULT_CONTEXT, type Route } from "../bgp/types.ts";

export function routeIdentity(r: Route): string {
  const nh = r.nextHop.kind === "ip" ? r.nextHop.address : r.nextHop.kind;
  const attrs = encodePathAttributes(r.attributes, DEFAULT_CONTEXT);
  let bytes = "";
  for (const b of attrs) bytes += String.fromCharCode(b);
  return `${nlriKey(r.nlri)}|${nh}|${r.watchdog ?? ""}|${r.withdrawn ? 1 : 0}|${bytes}`;
}
