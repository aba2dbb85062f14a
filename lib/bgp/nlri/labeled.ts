/**
 * Labeled unicast (SAFI 4, RFC 8277 §2) and MPLS L3VPN (SAFI 128, RFC 4364 §4.3.4, RFC 4659 §3.2) NLRI:
 *   [path id (RFC 7911 §3)] length-in-bits, label stack (3 octets each), [RD (8 octets, SAFI 128)], prefix
 * where the length counts the labels, the RD and the prefix. One codec serves both SAFIs; the RD is there
 * exactly when the SAFI is mpls-vpn.
 */
import { BgpError } from "../error.ts";
import { familyAfi, type FamilyKey, familyKey, familySafi, SAFI } from "../family.ts";
import { prefixToString } from "../ip.ts";
import type { CodecContext, LabeledNlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";
import { labelsJson, labelStackLength, labelsToString } from "../qualifier/labels.ts";
import { RD_LENGTH, rdToString } from "../qualifier/rd.ts";
import { pathIdToString } from "./prefix.ts";

/** The families this codec serves: ipv4/ipv6 nlri-mpls and mpls-vpn. */
export const LABELED_FAMILIES: readonly FamilyKey[] = [
  familyKey(1, SAFI["nlri-mpls"]),
  familyKey(2, SAFI["nlri-mpls"]),
  familyKey(1, SAFI["mpls-vpn"]),
  familyKey(2, SAFI["mpls-vpn"]),
];

export function isVpnFamily(family: FamilyKey): boolean {
  return familySafi(family) === SAFI["mpls-vpn"];
}

/** Invalid Network Field (RFC 4271 §6.3), as for plain prefixes. */
function invalidNetwork(reason: string): BgpError {
  return new BgpError(3, 10, new Uint8Array(0), `invalid network field: ${reason}`);
}

/** Decodes the run of labeled NLRI that fills `bytes` exactly. */
export function decodeLabeled(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): LabeledNlri[] {
  const addPath = ctx.addPath.has(family);
  const rdBits = isVpnFamily(family) ? RD_LENGTH * 8 : 0;
  const maxBits = familyAfi(family) === 2 ? 128 : 32;
  const out: LabeledNlri[] = [];
  let i = 0;
  while (i < bytes.length) {
    let pathId: number | undefined;
    if (addPath) {
      if (i + 5 > bytes.length) throw invalidNetwork("truncated path identifier");
      pathId = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
      i += 4;
    }
    const total = bytes[i++];
    const labelOctets = labelStackLength(bytes, i, Math.max(0, Math.floor((total - rdBits) / 24)));
    const length = total - labelOctets * 8 - rdBits;
    if (length < 0 || length > maxBits) throw invalidNetwork(`labeled prefix length ${total}`);
    const n = (length + 7) >> 3;
    const end = i + labelOctets + rdBits / 8 + n;
    if (end > bytes.length) throw invalidNetwork("labeled prefix overruns the field");
    const labels = bytes.slice(i, i + labelOctets);
    i += labelOctets;
    const rd = rdBits ? bytes.slice(i, i + RD_LENGTH) : undefined;
    i += rdBits / 8;
    out.push(labeledNlri(family, length, bytes.slice(i, end), labels, rd, pathId));
    i = end;
  }
  return out;
}

/** A LabeledNlri with only the optional fields that are set (so that equal routes compare deep-equal). */
export function labeledNlri(
  family: FamilyKey,
  length: number,
  bytes: Uint8Array,
  labels: Uint8Array,
  rd?: Uint8Array,
  pathId?: number,
): LabeledNlri {
  const n: { -readonly [K in keyof LabeledNlri]: LabeledNlri[K] } = {
    kind: "labeled",
    family,
    length,
    bytes,
    labels,
  };
  if (rd !== undefined) n.rd = rd;
  if (pathId !== undefined) n.pathId = pathId;
  return n;
}

export function labeledWireLength(n: LabeledNlri, addPath: boolean): number {
  return (addPath ? 5 : 1) + n.labels.length + (n.rd?.length ?? 0) + n.bytes.length;
}

export function writeLabeled(n: LabeledNlri, addPath: boolean, out: Uint8Array, offset: number): number {
  if (addPath) {
    const id = n.pathId ?? 0; // RFC 7911 §3: no explicit id is sent as 0
    out[offset++] = id >>> 24;
    out[offset++] = (id >>> 16) & 0xff;
    out[offset++] = (id >>> 8) & 0xff;
    out[offset++] = id & 0xff;
  }
  const rdLength = n.rd?.length ?? 0;
  out[offset++] = (n.labels.length + rdLength) * 8 + n.length;
  out.set(n.labels, offset);
  offset += n.labels.length;
  if (n.rd) out.set(n.rd, offset);
  offset += rdLength;
  out.set(n.bytes, offset);
  return offset + n.bytes.length;
}

export const labeledCodec: NlriCodec = {
  decode: decodeLabeled,
  wireLength: (n, addPath) => labeledWireLength(n as LabeledNlri, addPath),
  write: (n, addPath, out, offset) => writeLabeled(n as LabeledNlri, addPath, out, offset),
};

function prefixText(n: LabeledNlri): string {
  return prefixToString(familyAfi(n.family), n.bytes, n.length);
}

/**
 * ExaBGP's text form (nlri/label.py, ipvpn.py): prefix, path id, labels, RD —
 * "10.0.0.0/24 path-information 0.0.0.10 label 20012 rd 100:100".
 */
export function labeledToString(n: LabeledNlri): string {
  const path = n.pathId === undefined ? "" : ` path-information ${pathIdToString(n.pathId)}`;
  const rd = n.rd ? ` rd ${rdToString(n.rd)}` : "";
  return `${prefixText(n)}${path}${labelsToString(n.labels)}${rd}`;
}

/**
 * ExaBGP's JSON object (exabgp-behaviour.md §4.8): { "nlri", ["path-information",] "label": [[v, raw]],
 * "rd" }, for announced and withdrawn NLRI alike: ExaBGP's JSON encoder shows a withdrawn route with the
 * label field it carried (0x800000 and the like, RFC 8277 §2.4) and its RD. A stack that is empty (a
 * withdraw read without one) is left out.
 */
export function labeledJson(n: LabeledNlri): string {
  const parts = [`"nlri": "${prefixText(n)}"`];
  if (n.pathId !== undefined) parts.push(`"path-information": "${pathIdToString(n.pathId)}"`);
  if (n.labels.length) parts.push(`"label": ${labelsJson(n.labels)}`);
  if (n.rd) parts.push(`"rd": "${rdToString(n.rd)}"`);
  return `{ ${parts.join(", ")} }`;
}
