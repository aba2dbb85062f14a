/**
 * The RIB's compact NLRI form: one key string per route, the NLRI object rebuilt only when someone asks
 * (`show adj-rib`, JSON events), never on the way to the wire.
 *
 * Key layout: AFI, SAFI (one char each), "-" or "+" with the path id as two 16-bit chars, then the NLRI's wire
 * bytes without path id, one char per byte. For every family but the labeled ones this is `nlriKey` of
 * lib/bgp/nlri/codec.ts.
 *
 * Labeled NLRI (nlri-mpls, mpls-vpn) are keyed by what identifies the route: prefix, RD and path id — the
 * label stack is route data, as a route's attributes are (RFC 8277 §2: the label is bound to the prefix;
 * RFC 4364 §4.3.4: the RD makes the prefix unique; ExaBGP's `index()` leaves the labels out). Their key is
 * the wire form with the label stack taken out and the length counting the RD and prefix only; the stack
 * travels beside the key as a `labels` string (one char per octet) and `wireKey` puts it back for the packer.
 */
import { decodeNlri, nlriKey } from "../bgp/nlri/codec.ts";
import { type FamilyKey, familySafi, SAFI } from "../bgp/family.ts";
import { labeledNlri } from "../bgp/nlri/labeled.ts";
import { RD_LENGTH } from "../bgp/qualifier/rd.ts";
import { WITHDRAW_LABEL } from "../bgp/qualifier/labels.ts";
import type { CodecContext, LabeledNlri, Nlri } from "../bgp/types.ts";
import { bytesToLatin1 } from "./attribute_store.ts";

const PLUS = 43;
const MINUS = 45;

/** One scratch array per key length, so that a key is built by one String.fromCharCode call, flat. */
const scratch: number[][] = Array.from({ length: 21 }, (_, n) => new Array<number>(n).fill(0));

/** Families whose NLRI carry a label stack that is not part of the key. */
export function isLabeledFamily(family: FamilyKey): boolean {
  const safi = familySafi(family);
  return safi === SAFI["nlri-mpls"] || safi === SAFI["mpls-vpn"];
}

/** RFC 8277 §2.4 (RFC 3107's value): the label field of a withdrawn route that names no label. */
export const WITHDRAW_LABELS = String.fromCharCode(WITHDRAW_LABEL >>> 16, 0, 0);

/** Family, path id marker and path id: the head every key starts with. */
function keyHead(n: Nlri): string {
  const head = String.fromCharCode(n.family >>> 8, n.family & 0xff);
  return n.pathId === undefined
    ? head + "-"
    : head + "+" + String.fromCharCode(n.pathId >>> 16, n.pathId & 0xffff);
}

/** The identity of a labeled NLRI: length of RD + prefix in bits, the RD, the prefix (labels left out). */
function labeledKey(n: LabeledNlri): string {
  const rd = n.rd ?? new Uint8Array(0);
  return keyHead(n) + String.fromCharCode(rd.length * 8 + n.length) + bytesToLatin1(rd) +
    bytesToLatin1(n.bytes);
}

/**
 * The RIB key of `n` (see the module comment): `nlriKey(n)`, faster on the hot path (a prefix without path id,
 * the API's common case: one flat string from one call), and without the labels of a labeled NLRI.
 */
export function routeKey(n: Nlri): string {
  if (n.kind === "labeled") return labeledKey(n);
  if (n.kind !== "prefix" || n.pathId !== undefined || n.bytes.length > 16) return nlriKey(n);
  const b = n.bytes;
  const codes = scratch[4 + b.length];
  codes[0] = n.family >>> 8;
  codes[1] = n.family & 0xff;
  codes[2] = MINUS;
  codes[3] = n.length;
  for (let i = 0; i < b.length; i++) codes[4 + i] = b[i];
  return String.fromCharCode.apply(null, codes);
}

/** The label stack of a labeled NLRI as a string (one char per octet, "" when it has none); else undefined. */
export function routeLabels(n: Nlri): string | undefined {
  return n.kind === "labeled" ? bytesToLatin1(n.labels) : undefined;
}

/** Where a key's NLRI bytes start (after the family, the marker and the path id if any). */
function bodyStart(key: string): number {
  return key.charCodeAt(2) === PLUS ? 5 : 3;
}

/**
 * The key of the NLRI as it goes on the wire: for a labeled key, `labels` put back after the length octet,
 * which grows by their bits (RFC 8277 §2); other keys are their wire form already.
 */
export function wireKey(key: string, labels: string): string {
  if (labels.length === 0) return key;
  const at = bodyStart(key);
  return key.slice(0, at) + String.fromCharCode(key.charCodeAt(at) + labels.length * 8) + labels +
    key.slice(at + 1);
}

const NO_ADD_PATH: CodecContext = { asn4: true, addPath: new Set(), maxMessageSize: 65535 };

export function keyFamily(key: string): FamilyKey {
  return (key.charCodeAt(0) << 8) | key.charCodeAt(1);
}

function isPrefixFamily(family: FamilyKey): boolean {
  const afi = family >>> 8, safi = family & 0xff;
  return (afi === 1 || afi === 2) && (safi === 1 || safi === 2);
}

function latin1ToBytes(s: string, from = 0, to = s.length): Uint8Array {
  const out = new Uint8Array(to - from);
  for (let i = 0; i < out.length; i++) out[i] = s.charCodeAt(from + i);
  return out;
}

/** The NLRI of `key`; `labels` is the label stack of a labeled key (none when omitted). */
export function nlriFromKey(key: string, labels = ""): Nlri {
  const family = keyFamily(key);
  const hasPath = key.charCodeAt(2) === PLUS;
  const pathId = hasPath ? ((key.charCodeAt(3) << 16) | key.charCodeAt(4)) >>> 0 : undefined;
  const start = bodyStart(key);
  if (isLabeledFamily(family)) {
    const rdLength = familySafi(family) === SAFI["mpls-vpn"] ? RD_LENGTH : 0;
    const rd = rdLength ? latin1ToBytes(key, start + 1, start + 1 + rdLength) : undefined;
    const length = key.charCodeAt(start) - rdLength * 8;
    const prefix = latin1ToBytes(key, start + 1 + rdLength);
    return labeledNlri(family, length, prefix, latin1ToBytes(labels), rd, pathId);
  }
  const bytes = latin1ToBytes(key, start);
  if (isPrefixFamily(family)) {
    const prefix = bytes.subarray(1);
    return pathId === undefined
      ? { kind: "prefix", family, length: bytes[0], bytes: prefix }
      : { kind: "prefix", family, length: bytes[0], bytes: prefix, pathId };
  }
  const [n] = decodeNlri(family, bytes, NO_ADD_PATH);
  return pathId === undefined ? n : { ...n, pathId };
}
