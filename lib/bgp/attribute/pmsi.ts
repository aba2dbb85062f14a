/**
 * PMSI_TUNNEL attribute (type 22, optional transitive; RFC 6514 §5): flags (1), tunnel type (1), MPLS label
 * (3: the label in the high 20 bits), tunnel identifier (rest). Used by MCAST-VPN and EVPN (RFC 7432 §11.2,
 * Ingress Replication with the originator's IPv4 address). Carried as a generic attribute (re-sent verbatim);
 * these functions build it and show it as ExaBGP does (attribute/pmsi.py).
 */
import type { Attribute } from "../types.ts";
import { bytesToIp, ipToBytes } from "../ip.ts";

export const PMSI_TUNNEL = 22;
/** Optional | transitive (RFC 6514 §5). */
export const PMSI_FLAGS = 0xc0;

/** RFC 6514 §5 tunnel types, named as ExaBGP names them. */
export const PMSI_TUNNEL_TYPES: Readonly<Record<number, string>> = {
  0: "No tunnel",
  1: "RSVP-TE P2MP LSP",
  2: "mLDP P2MP LSP",
  3: "PIM-SSM Tree",
  4: "PIM-SM Tree",
  5: "BIDIR-PIM Tree",
  6: "Ingress Replication",
  7: "mLDP MP2MP LSP",
};
export const INGRESS_REPLICATION = 6;

export interface PmsiTunnel {
  readonly flags: number;
  readonly tunnelType: number;
  /** The 3 label octets as a 24-bit number (label << 4, plus the low bits as sent). */
  readonly rawLabel: number;
  readonly tunnel: Uint8Array;
}

/** The fields of a PMSI_TUNNEL value; undefined when shorter than its 5 fixed octets. */
export function decodePmsi(v: Uint8Array): PmsiTunnel | undefined {
  if (v.length < 5) return undefined;
  return { flags: v[0], tunnelType: v[1], rawLabel: (v[2] << 16) | (v[3] << 8) | v[4], tunnel: v.slice(5) };
}

export function encodePmsi(p: PmsiTunnel): Uint8Array {
  const out = new Uint8Array(5 + p.tunnel.length);
  out[0] = p.flags;
  out[1] = p.tunnelType;
  out[2] = (p.rawLabel >>> 16) & 0xff;
  out[3] = (p.rawLabel >>> 8) & 0xff;
  out[4] = p.rawLabel & 0xff;
  out.set(p.tunnel, 5);
  return out;
}

/** An Ingress Replication PMSI (RFC 6514 §5, RFC 7432 §11.2) towards `address`, with a 20-bit label. */
export function ingressReplication(address: string, label: number, flags = 0): Attribute {
  const value = encodePmsi({
    flags,
    tunnelType: INGRESS_REPLICATION,
    rawLabel: label << 4,
    tunnel: ipToBytes(address),
  });
  return { code: PMSI_TUNNEL, kind: "generic", flags: PMSI_FLAGS, value };
}

function hexUpper(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += (x < 16 ? "0" : "") + x.toString(16);
  return s.toUpperCase();
}

/** ExaBGP's text: `pmsi:<type name>:<flags>:<label>:<tunnel>`, e.g. `pmsi:ingressreplication:0:100:10.0.0.1`. */
export function pmsiToString(p: PmsiTunnel): string {
  const name = (PMSI_TUNNEL_TYPES[p.tunnelType] ?? "unknown").replaceAll(" ", "").toLowerCase();
  const label = p.rawLabel >>> 4;
  const labelText = p.rawLabel !== label << 4 ? `${label}(${p.rawLabel})` : String(label);
  let tunnel = p.tunnel.length ? `0x${hexUpper(p.tunnel)}` : "";
  if (p.tunnelType === 0) tunnel = "";
  else if (p.tunnelType === INGRESS_REPLICATION && p.tunnel.length === 4) tunnel = bytesToIp(p.tunnel, 0, 4);
  return `pmsi:${name}:${p.flags}:${labelText}:${tunnel}`;
}

/** The JSON member for an attribute of type 22 (`"pmsi-tunnel": "<text>"`); undefined when malformed. */
export function pmsiJson(value: Uint8Array): string | undefined {
  const p = decodePmsi(value);
  return p === undefined ? undefined : `"pmsi-tunnel": "${pmsiToString(p)}"`;
}
