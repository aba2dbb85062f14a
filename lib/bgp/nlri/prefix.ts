/**
 * IP prefixes (IPv4/IPv6, unicast and multicast): RFC 4271 §4.3 "length in bits, then the significant
 * octets", with the RFC 7911 §3 four-octet path identifier in front when ADD-PATH is in use for the family.
 */
import { familyAfi, type FamilyKey, familyKey } from "../family.ts";
import { bytesToIp, parsePrefix, prefixToString } from "../ip.ts";
import type { CodecContext, Nlri, PrefixNlri } from "../types.ts";
import { labeledToString } from "./labeled.ts";
import { flowToString } from "./flow_text.ts";
import { vplsToString } from "./vpls.ts";
import { evpnToString } from "./evpn.ts";
import { mvpnToString } from "./mvpn.ts";
import { mupToString } from "./mup.ts";
import { invalidNetwork, readPathId, writePathId } from "./wire.ts";

/** Decodes a run of prefixes that fills `bytes` exactly; throws BgpError 3/10 on a bad length or overrun. */
export function decodePrefixes(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): PrefixNlri[] {
  const addPath = ctx.addPath.has(family);
  const maxBits = familyAfi(family) === 2 ? 128 : 32;
  const out: PrefixNlri[] = [];
  let i = 0;
  while (i < bytes.length) {
    let pathId: number | undefined;
    if (addPath) {
      if (i + 4 > bytes.length) throw invalidNetwork("truncated path identifier");
      pathId = readPathId(bytes, i);
      i += 4;
      if (i >= bytes.length) throw invalidNetwork("path identifier without prefix");
    }
    const length = bytes[i++];
    if (length > maxBits) throw invalidNetwork(`prefix length ${length} > ${maxBits}`);
    const n = (length + 7) >> 3;
    if (i + n > bytes.length) throw invalidNetwork("prefix overruns the field");
    const nlri: PrefixNlri = pathId === undefined
      ? { kind: "prefix", family, length, bytes: bytes.slice(i, i + n) }
      : { kind: "prefix", family, length, bytes: bytes.slice(i, i + n), pathId };
    out.push(nlri);
    i += n;
  }
  return out;
}

/** Bytes `encodePrefix` would produce, without producing them (the UPDATE packer sizes messages with it). */
export function prefixWireLength(n: PrefixNlri, addPath: boolean): number {
  return (addPath ? 5 : 1) + n.bytes.length;
}

/** Writes the prefix at `offset` of `out`; returns the offset after it. */
export function writePrefix(n: PrefixNlri, addPath: boolean, out: Uint8Array, offset: number): number {
  // RFC 7911 §3: a route without an explicit path id is sent with id 0.
  if (addPath) offset = writePathId(n.pathId ?? 0, out, offset);
  out[offset++] = n.length;
  out.set(n.bytes, offset);
  return offset + n.bytes.length;
}

export function encodePrefix(n: PrefixNlri, addPath: boolean): Uint8Array {
  const out = new Uint8Array(prefixWireLength(n, addPath));
  writePrefix(n, addPath, out, 0);
  return out;
}

/**
 * A PrefixNlri from text ("10.0.0.0/8", "2001:db8::/32", a bare address = host route). The family defaults
 * to unicast of the address's AFI. Host bits are cleared, as ExaBGP does.
 */
export function prefixNlri(text: string, family?: FamilyKey, pathId?: number): PrefixNlri {
  const p = parsePrefix(text);
  const fam = family ?? familyKey(p.afi, 1);
  if (familyAfi(fam) !== p.afi) throw new Error(`'${text}' is not a prefix of family afi ${familyAfi(fam)}`);
  return pathId === undefined
    ? { kind: "prefix", family: fam, length: p.length, bytes: p.bytes }
    : { kind: "prefix", family: fam, length: p.length, bytes: p.bytes, pathId };
}

/** Path id as ExaBGP prints it (dotted quad, "path-information 0.0.0.1"). */
export function pathIdToString(id: number): string {
  const b = new Uint8Array([id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
  return bytesToIp(b);
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s.toUpperCase();
}

/**
 * "10.0.0.0/8" for a prefix, "0x<HEX>" for raw NLRI; " path-information a.b.c.d" is appended when the NLRI
 * carries a path id (ExaBGP's text form of an ADD-PATH route).
 */
export function nlriToString(n: Nlri): string {
  if (n.kind === "labeled") return labeledToString(n); // path id included
  if (n.kind === "flow") return flowToString(n);
  if (n.kind === "vpls") return vplsToString(n);
  if (n.kind === "evpn") return evpnToString(n);
  if (n.kind === "mvpn") return mvpnToString(n);
  if (n.kind === "mup") return mupToString(n);
  const base = n.kind === "prefix"
    ? prefixToString(familyAfi(n.family), n.bytes, n.length)
    : `0x${hex(n.bytes)}`;
  return n.pathId === undefined ? base : `${base} path-information ${pathIdToString(n.pathId)}`;
}
