/**
 * Wire pieces the NLRI codecs share: the RFC 7911 §3 path identifier (4 octets before an NLRI when ADD-PATH
 * is in use), the Invalid Network Field error (RFC 4271 §6.3), and the codecs of NLRI kept as their wire
 * bytes (unknown families, BGP-LS, RTC, SR Policy, EVPN, MCAST-VPN, VPLS, MUP): decoded only to be shown,
 * re-sent verbatim.
 */
import { readU32, writeU32 } from "../attribute/value.ts";
import { BgpError } from "../error.ts";
import type { FamilyKey } from "../family.ts";
import type { BgpLsNlri, CodecContext, L2Nlri, MupNlri, Nlri, RawNlri } from "../types.ts";
import type { NlriCodec } from "./codec.ts";

/** UPDATE Message Error, Invalid Network Field (RFC 4271 §6.3). */
export function invalidNetwork(reason: string): BgpError {
  return new BgpError(3, 10, new Uint8Array(0), `invalid network field: ${reason}`);
}

/** The path identifier at `i` (the caller has checked that 4 octets remain). */
export function readPathId(bytes: Uint8Array, i: number): number {
  return readU32(bytes, i);
}

/** Writes `pathId` at `offset`; returns the offset after it. */
export function writePathId(pathId: number, out: Uint8Array, offset: number): number {
  writeU32(out, offset, pathId);
  return offset + 4;
}

/** An NLRI whose `bytes` are its whole wire form (the path identifier aside). */
type WholeBytesNlri = RawNlri | BgpLsNlri | L2Nlri | MupNlri;

/**
 * Writing NLRI kept as wire bytes: the path identifier when ADD-PATH is in use (0 when the route has none: every
 * NLRI of the family carries one, RFC 7911 §3), then a copy of the bytes.
 */
export const wholeBytesWriter: Pick<NlriCodec, "wireLength" | "write"> = {
  wireLength: (n, addPath) => (n as WholeBytesNlri).bytes.length + (addPath ? 4 : 0),
  write(n, addPath, out, offset) {
    if (addPath) offset = writePathId(n.pathId ?? 0, out, offset);
    const bytes = (n as WholeBytesNlri).bytes;
    out.set(bytes, offset);
    return offset + bytes.length;
  },
};

/**
 * A codec for NLRI framed as [header][value] where the header ends with the value's length: `lengthSize`
 * octets of length after `typeSize` octets of type (EVPN/MCAST-VPN: 1 + 1; VPLS: 0 + 2, RFC 4761 §3.2.2;
 * MUP: 3 + 1, architecture and route type). `check` returns why one NLRI is malformed, if it is.
 */
export function framedNlriCodec(
  kind: L2Nlri["kind"] | MupNlri["kind"],
  typeSize: number,
  lengthSize: 1 | 2,
  check?: (family: FamilyKey, nlri: Uint8Array) => string | undefined,
): NlriCodec {
  const header = typeSize + lengthSize;
  return {
    decode(family: FamilyKey, bytes: Uint8Array, ctx: CodecContext): Nlri[] {
      const addPath = ctx.addPath.has(family);
      const out: Nlri[] = [];
      for (let i = 0; i < bytes.length;) {
        let pathId: number | undefined;
        if (addPath) {
          if (i + 4 > bytes.length) throw invalidNetwork(`${kind}: truncated path identifier`);
          pathId = readPathId(bytes, i);
          i += 4;
        }
        if (i + header > bytes.length) throw invalidNetwork(`${kind}: truncated NLRI header`);
        const at = i + typeSize;
        const length = lengthSize === 1 ? bytes[at] : (bytes[at] << 8) | bytes[at + 1];
        const end = i + header + length;
        if (end > bytes.length) throw invalidNetwork(`${kind}: NLRI of ${length} octets overruns the field`);
        const nlri = bytes.slice(i, end);
        const malformed = check?.(family, nlri);
        if (malformed !== undefined) throw invalidNetwork(`${kind}: ${malformed}`);
        out.push(
          pathId === undefined ? { kind, family, bytes: nlri } : { kind, family, bytes: nlri, pathId },
        );
        i = end;
      }
      return out;
    },
    ...wholeBytesWriter,
  };
}
