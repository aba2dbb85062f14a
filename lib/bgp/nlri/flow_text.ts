/**
 * FlowSpec NLRI as ExaBGP presents them: the text form `flow destination-ipv4 10.0.0.2/32 protocol =tcp
 * destination-port [ >8080&<8088 =3128 ] rd 65535:65536` and the JSON object of API events and `decode`
 * (`{ "destination-ipv4": [ "10.0.0.2/32" ], …, "string": "flow …" }`, conformance decoding/bgp-flow-*).
 *
 * Inside a component, terms ORed together are separate entries; an ANDed term ("&…") is glued to the one
 * before it. The text form brackets a component of more than one term.
 */
import { familyAfi } from "../family.ts";
import { prefixToString } from "../ip.ts";
import type { FlowNlri } from "../types.ts";
import { rdToString } from "../qualifier/rd.ts";
import { componentName, type FlowComponent, FlowOp, termText } from "./flow_components.ts";

/** The OR-separated entries of one component ("10.0.0.0/24/0" for an IPv6 prefix with its offset). */
function entries(afi: number, c: FlowComponent): string[] {
  if (c.kind === "prefix") {
    const p = prefixToString(afi, c.bytes, c.length);
    return [afi === 2 ? `${p}/${c.offset}` : p];
  }
  const out: string[] = [];
  for (const t of c.terms) {
    const text = termText(c.type, t);
    if (out.length && t.op & FlowOp.AND) out[out.length - 1] += text;
    else out.push(text);
  }
  return out;
}

/** Components of the same type (two sources, as ExaBGP tolerates) are shown as one. */
function grouped(n: FlowNlri): [string, string[], number][] {
  const afi = familyAfi(n.family);
  const out: [string, string[], number][] = [];
  for (const c of n.components) {
    const name = componentName(afi, c.type);
    const last = out[out.length - 1];
    const terms = c.kind === "prefix" ? 1 : c.terms.length;
    if (last && last[0] === name) {
      last[1].push(...entries(afi, c));
      last[2] += terms;
    } else out.push([name, entries(afi, c), terms]);
  }
  return out;
}

/** The MP_REACH next hop of a flow route, when it has one (JSON events name the others "no-nexthop"). */
function hasNextHop(nextHop: string | undefined): nextHop is string {
  return nextHop !== undefined && nextHop !== "no-nexthop" && nextHop !== "";
}

/** ExaBGP's `Flow.extensive()`: "flow <component> <terms>…[ rd <rd>][ next-hop <ip>]". */
export function flowToString(n: FlowNlri, nextHop?: string): string {
  let s = "flow";
  for (const [name, list, terms] of grouped(n)) {
    const line = list.join(" ");
    s += ` ${name} ${terms > 1 ? `[ ${line} ]` : line}`;
  }
  if (n.rd) s += ` rd ${rdToString(n.rd)}`;
  if (hasNextHop(nextHop)) s += ` next-hop ${nextHop}`;
  return s;
}

/** ExaBGP's `Flow.json()`; `nextHop`: the MP_REACH next hop the route came with, if any. */
export function flowJson(n: FlowNlri, nextHop?: string): string {
  const members = grouped(n).map(([name, list]) => ` "${name}": [ ${list.map((e) => `"${e}"`).join(", ")} ]`);
  if (n.rd) members.push(` "rd": "${rdToString(n.rd)}"`);
  if (hasNextHop(nextHop)) members.push(` "next-hop": "${nextHop}"`);
  // Joined, not prefixed with ", ": a flow of no component (a mutant peer's) stays valid JSON.
  members.push(` "string": "${flowToString(n, nextHop)}"`);
  return `{${members.join(",")} }`;
}
