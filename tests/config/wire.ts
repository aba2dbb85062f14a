/**
 * Test helper (not a test): reads the conformance suite's files and takes apart the UPDATE messages of an
 * encoding/<test>.msg, so that configuration models can be checked against the bytes ExaBGP really sends.
 * Deliberately independent of lib/: a small RFC 4271 / RFC 4760 / RFC 7911 reader of its own.
 */
import { readFileSync } from "node:fs";
import type { Attribute, Route } from "../../lib/bgp/types.ts";

/** The repository's copy of the suite (conformance/exabgp-5.0), so a fresh clone tests on its own. */
export const SUITE = new URL("../../conformance/exabgp-5.0/", import.meta.url).pathname;
export const ETC = `${SUITE}etc/`;

export function readEtc(name: string): string {
  return readFileSync(`${ETC}${name}`, "utf8");
}

/** The configuration file named by encoding/<test>.ci (the first one). */
export function ciConfig(test: string): string {
  return readFileSync(`${SUITE}encoding/${test}.ci`, "utf8").trim().split(/\s+/)[0];
}

export interface WireAttr {
  flags: number;
  value: Uint8Array;
}

export interface WireRoute {
  /** "10.0.0.0/24" with the host part as written on the wire. */
  prefix: string;
  pathId?: number;
  /** Next-hop octets: NEXT_HOP for IPv4 unicast, the first address of MP_REACH otherwise. */
  nextHop: Uint8Array;
  attrs: Map<number, WireAttr>;
}

function hex(text: string): Uint8Array {
  const clean = text.replace(/:/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function prefixText(afi: number, length: number, bytes: Uint8Array): string {
  if (afi === 1) {
    const o = [0, 0, 0, 0].map((_, i) => bytes[i] ?? 0);
    return `${o.join(".")}/${length}`;
  }
  const full = new Uint8Array(16);
  full.set(bytes);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((full[i] << 8) | full[i + 1]).toString(16));
  return `${groups.join(":")}/${length}`;
}

/** RFC 4271 §4.3 / RFC 7911 §3: a run of NLRI. */
function readNlri(afi: number, data: Uint8Array, addPath: boolean): { prefix: string; pathId?: number }[] {
  const out: { prefix: string; pathId?: number }[] = [];
  let i = 0;
  while (i < data.length) {
    let pathId: number | undefined;
    if (addPath) {
      pathId = new DataView(data.buffer, data.byteOffset + i, 4).getUint32(0);
      i += 4;
    }
    const len = data[i++];
    const n = (len + 7) >> 3;
    out.push({
      prefix: prefixText(afi, len, data.subarray(i, i + n)),
      ...(pathId !== undefined && { pathId }),
    });
    i += n;
  }
  return out;
}

/** Every route announced by the UPDATEs of encoding/<test>.msg. */
export function wireRoutes(test: string, addPath = false): WireRoute[] {
  const routes: WireRoute[] = [];
  for (const line of readFileSync(`${SUITE}encoding/${test}.msg`, "utf8").split("\n")) {
    const m = /^[A-Z]?\d+:raw:(.*)$/.exec(line.trim());
    if (!m || line.includes("#")) continue;
    const msg = hex(m[1]);
    if (msg[18] !== 2) continue;
    const dv = new DataView(msg.buffer);
    const wlen = dv.getUint16(19);
    const alen = dv.getUint16(21 + wlen);
    const attrs = new Map<number, WireAttr>();
    let i = 23 + wlen;
    const end = i + alen;
    while (i < end) {
      const flags = msg[i], code = msg[i + 1];
      const ext = (flags & 0x10) !== 0;
      const len = ext ? dv.getUint16(i + 2) : msg[i + 2];
      const start = i + (ext ? 4 : 3);
      attrs.set(code, { flags, value: msg.slice(start, start + len) });
      i = start + len;
    }
    const mp = attrs.get(14);
    if (mp) {
      const v = mp.value;
      const afi = (v[0] << 8) | v[1];
      const nhLen = v[3];
      const nextHop = v.slice(4, 4 + Math.min(nhLen, afi === 2 ? 16 : nhLen));
      for (const r of readNlri(afi, v.subarray(5 + nhLen), addPath)) routes.push({ ...r, nextHop, attrs });
    }
    const nextHop = attrs.get(3)?.value ?? new Uint8Array(0);
    for (const r of readNlri(1, msg.subarray(end), addPath)) routes.push({ ...r, nextHop, attrs });
  }
  return routes;
}

/** Text of an IPv4 or IPv6 address from its octets (IPv6 uncompressed lower-case groups). */
export function addressText(bytes: Uint8Array): string {
  return prefixText(bytes.length === 4 ? 1 : 2, 0, bytes).replace(/\/0$/, "");
}

function u32(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset).getUint32(at);
}

/**
 * What one model attribute must look like on the wire: the wire value decoded into the model's shape
 * (RFC 4271 §4.3 with 4-octet ASNs as the suite negotiates asn4, RFC 1997, RFC 4360, RFC 8092).
 */
export function decodeLike(a: Attribute, w: WireAttr): unknown {
  const v = w.value;
  switch (a.kind) {
    case "origin":
      return { code: 1, kind: "origin", value: v[0] };
    case "as-path": {
      const segments = [];
      for (let i = 0; i < v.length;) {
        const type = v[i], n = v[i + 1];
        const asns = [];
        for (let k = 0; k < n; k++) asns.push(u32(v, i + 2 + k * 4));
        segments.push({ type, asns });
        i += 2 + n * 4;
      }
      return { code: 2, kind: "as-path", segments };
    }
    case "med":
      return { code: 4, kind: "med", value: u32(v, 0) };
    case "local-preference":
      return { code: 5, kind: "local-preference", value: u32(v, 0) };
    case "atomic-aggregate":
      return { code: 6, kind: "atomic-aggregate" };
    case "aggregator":
      return { code: 7, kind: "aggregator", asn: u32(v, 0), address: addressText(v.slice(4, 8)) };
    case "community": {
      const values = [];
      for (let i = 0; i < v.length; i += 4) values.push(u32(v, i));
      return { code: 8, kind: "community", values };
    }
    case "extended-community": {
      const values = [];
      for (let i = 0; i < v.length; i += 8) values.push(v.slice(i, i + 8));
      return { code: 16, kind: "extended-community", values };
    }
    case "large-community": {
      const values = [];
      for (let i = 0; i < v.length; i += 12) values.push([u32(v, i), u32(v, i + 4), u32(v, i + 8)]);
      return { code: 32, kind: "large-community", values };
    }
    case "generic":
      return { code: a.code, kind: "generic", flags: w.flags, value: v };
    default:
      throw new Error(`decodeLike: ${a.kind} not handled by the test helper`);
  }
}

/** Normalises a model attribute for deepStrictEqual (typed arrays as Uint8Array, arrays as plain arrays). */
export function plain(a: Attribute): unknown {
  return JSON.parse(JSON.stringify(a, (_k, x) => (x instanceof Uint8Array ? [...x] : x)));
}

export function plainWire(a: Attribute, w: WireAttr): unknown {
  return JSON.parse(JSON.stringify(decodeLike(a, w), (_k, x) => (x instanceof Uint8Array ? [...x] : x)));
}

/** "10.0.0.0/24" of a model route's NLRI (IPv6 as uncompressed groups, like prefixText). */
export function routePrefix(r: Route): string {
  if (r.nlri.kind !== "prefix") throw new Error("not a prefix route");
  return prefixText(r.nlri.family >> 8, r.nlri.length, r.nlri.bytes);
}
