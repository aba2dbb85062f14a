/**
 * Capability codecs (RFC 5492 §4: code, length, value), one small handler per capability code.
 * A value of the wrong shape decodes as `unknown` (kept verbatim) rather than failing the OPEN: RFC 5492 §3
 * lets a speaker ignore what it does not understand, and the session stays up for the capabilities it did.
 */
import type { AddPathEntry, Capability, ExtendedNextHopEntry, GracefulRestartFamily } from "../types.ts";
import { concatBytes } from "../bytes.ts";

export const CapabilityCode = {
  MULTIPROTOCOL: 1,
  ROUTE_REFRESH: 2,
  EXTENDED_NEXT_HOP: 5,
  EXTENDED_MESSAGE: 6,
  GRACEFUL_RESTART: 64,
  ASN4: 65,
  MULTI_SESSION: 68,
  ADD_PATH: 69,
  ENHANCED_ROUTE_REFRESH: 70,
  HOSTNAME: 73,
  SOFTWARE_VERSION: 75,
  ROUTE_REFRESH_CISCO: 128,
  MULTI_SESSION_CISCO: 131,
  OPERATIONAL: 185,
} as const;

/** The capability of a given name (a narrowing helper for callers that look one up). */
export type CapabilityOf<N extends Capability["name"]> = Extract<Capability, { name: N }>;

interface Handler {
  /** undefined = malformed: the caller keeps it as `unknown`. */
  decode(code: number, v: Uint8Array): Capability | undefined;
  encode(c: Capability): Uint8Array;
}

const EMPTY = new Uint8Array(0);
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const u16 = (v: Uint8Array, i: number) => (v[i] << 8) | v[i + 1];
const u32 = (v: Uint8Array, i: number) =>
  ((v[i] << 24) | (v[i + 1] << 16) | (v[i + 2] << 8) | v[i + 3]) >>> 0;
function put16(out: Uint8Array, i: number, n: number): void {
  out[i] = (n >> 8) & 0xff;
  out[i + 1] = n & 0xff;
}
function put32(out: Uint8Array, i: number, n: number): void {
  put16(out, i, n >>> 16);
  put16(out, i + 2, n & 0xffff);
}

/** A capability with an empty value; any other length is malformed. */
function flag<N extends Capability["name"]>(name: N): Handler {
  return {
    decode: (code, v) => (v.length === 0 ? ({ code, name } as Capability) : undefined),
    encode: () => EMPTY,
  };
}

/** A capability that is a list of fixed-size records (ADD-PATH, extended next hop). */
function records<T>(
  size: number,
  read: (v: Uint8Array, i: number) => T,
  write: (out: Uint8Array, i: number, entry: T) => void,
  make: (code: number, entries: T[]) => Capability,
  entriesOf: (c: Capability) => readonly T[],
): Handler {
  return {
    decode(code, v) {
      if (v.length % size !== 0) return undefined;
      const entries: T[] = [];
      for (let i = 0; i < v.length; i += size) entries.push(read(v, i));
      return make(code, entries);
    },
    encode(c) {
      const entries = entriesOf(c);
      const out = new Uint8Array(entries.length * size);
      entries.forEach((e, k) => write(out, k * size, e));
      return out;
    },
  };
}

/** Reads `len` then `len` bytes of UTF-8 at `i`; undefined when it overruns. */
function readText(v: Uint8Array, i: number): { text: string; end: number } | undefined {
  if (i >= v.length) return undefined;
  const end = i + 1 + v[i];
  if (end > v.length) return undefined;
  return { text: utf8Decoder.decode(v.subarray(i + 1, end)), end };
}
/** A 1-byte length then the UTF-8 text, cut to `max` bytes so that the capability fits its 255-byte value. */
function textField(text: string, max: number): Uint8Array {
  const bytes = utf8Encoder.encode(text).subarray(0, max);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** draft-ietf-idr-bgp-multisession (and Cisco's code 131): the value is kept as bytes. */
const multiSession: Handler = {
  decode: (code, v) => ({ code: code as 68 | 131, name: "multi-session", value: v.slice() }),
  encode: (c) => (c as CapabilityOf<"multi-session">).value,
};

const HANDLERS: Readonly<Record<number, Handler>> = {
  // RFC 4760 §8: AFI (2), reserved (1), SAFI (1).
  [CapabilityCode.MULTIPROTOCOL]: {
    decode(_code, v) {
      return v.length === 4 ? { code: 1, name: "multiprotocol", afi: u16(v, 0), safi: v[3] } : undefined;
    },
    encode(c) {
      const { afi, safi } = c as CapabilityOf<"multiprotocol">;
      return new Uint8Array([afi >> 8, afi & 0xff, 0, safi]);
    },
  },
  [CapabilityCode.ROUTE_REFRESH]: flag("route-refresh"), // RFC 2918 §2
  [CapabilityCode.ROUTE_REFRESH_CISCO]: flag("route-refresh-cisco"), // pre-standard code of RFC 2918
  [CapabilityCode.ENHANCED_ROUTE_REFRESH]: flag("enhanced-route-refresh"), // RFC 7313 §3.1
  [CapabilityCode.EXTENDED_MESSAGE]: flag("extended-message"), // RFC 8654 §3
  [CapabilityCode.OPERATIONAL]: flag("operational"), // draft-ietf-idr-operational-message
  // RFC 6793 §3: the 4-octet AS number.
  [CapabilityCode.ASN4]: {
    decode: (_code, v) => (v.length === 4 ? { code: 65, name: "asn4", asn: u32(v, 0) } : undefined),
    encode(c) {
      const out = new Uint8Array(4);
      put32(out, 0, (c as CapabilityOf<"asn4">).asn);
      return out;
    },
  },
  // RFC 7911 §4: AFI (2), SAFI (1), Send/Receive (1).
  [CapabilityCode.ADD_PATH]: records<AddPathEntry>(
    4,
    (v, i) => ({ afi: u16(v, i), safi: v[i + 2], mode: v[i + 3] }),
    (out, i, e) => {
      put16(out, i, e.afi);
      out[i + 2] = e.safi;
      out[i + 3] = e.mode;
    },
    (_code, entries) => ({ code: 69, name: "add-path", entries }),
    (c) => (c as CapabilityOf<"add-path">).entries,
  ),
  // RFC 8950 §3: NLRI AFI (2), NLRI SAFI (2), Nexthop AFI (2).
  [CapabilityCode.EXTENDED_NEXT_HOP]: records<ExtendedNextHopEntry>(
    6,
    (v, i) => ({ afi: u16(v, i), safi: u16(v, i + 2), nextHopAfi: u16(v, i + 4) }),
    (out, i, e) => {
      put16(out, i, e.afi);
      put16(out, i + 2, e.safi);
      put16(out, i + 4, e.nextHopAfi);
    },
    (_code, entries) => ({ code: 5, name: "extended-next-hop", entries }),
    (c) => (c as CapabilityOf<"extended-next-hop">).entries,
  ),
  // RFC 4724 §3: Restart Flags (4 bits), Restart Time (12 bits), then AFI (2), SAFI (1), flags (1) per family.
  [CapabilityCode.GRACEFUL_RESTART]: {
    decode(_code, v) {
      if (v.length < 2 || (v.length - 2) % 4 !== 0) return undefined;
      const families: GracefulRestartFamily[] = [];
      for (let i = 2; i < v.length; i += 4) {
        families.push({ afi: u16(v, i), safi: v[i + 2], flags: v[i + 3] });
      }
      return {
        code: 64,
        name: "graceful-restart",
        restartFlags: v[0] >> 4,
        restartTime: u16(v, 0) & 0x0fff,
        families,
      };
    },
    encode(c) {
      const gr = c as CapabilityOf<"graceful-restart">;
      const out = new Uint8Array(2 + gr.families.length * 4);
      put16(out, 0, ((gr.restartFlags & 0xf) << 12) | (gr.restartTime & 0x0fff));
      gr.families.forEach((f, k) => {
        put16(out, 2 + k * 4, f.afi);
        out[4 + k * 4] = f.safi;
        out[5 + k * 4] = f.flags;
      });
      return out;
    },
  },
  // draft-walton-bgp-hostname-capability §3: hostname length + hostname, domain length + domain.
  [CapabilityCode.HOSTNAME]: {
    decode(_code, v) {
      const host = readText(v, 0);
      const domain = host && readText(v, host.end);
      if (!host || !domain || domain.end !== v.length) return undefined;
      return { code: 73, name: "hostname", hostname: host.text, domain: domain.text };
    },
    encode(c) {
      const h = c as CapabilityOf<"hostname">;
      return concatBytes([textField(h.hostname, 127), textField(h.domain, 126)]);
    },
  },
  // draft-abraitis-bgp-version-capability §2: version length + version (UTF-8).
  [CapabilityCode.SOFTWARE_VERSION]: {
    decode(_code, v) {
      const version = readText(v, 0);
      if (!version || version.end !== v.length) return undefined;
      return { code: 75, name: "software-version", version: version.text };
    },
    encode: (c) => textField((c as CapabilityOf<"software-version">).version, 254),
  },
  [CapabilityCode.MULTI_SESSION]: multiSession,
  [CapabilityCode.MULTI_SESSION_CISCO]: multiSession,
};

/** Decodes one capability value (the bytes after code and length). Never throws. */
export function decodeCapability(code: number, value: Uint8Array): Capability {
  const decoded = HANDLERS[code]?.decode(code, value);
  return decoded ?? { code, name: "unknown", value: value.slice() };
}

/** The value bytes of a capability (without code and length). */
export function encodeCapabilityValue(c: Capability): Uint8Array {
  const handler = c.name === "unknown" ? undefined : HANDLERS[c.code];
  return handler ? handler.encode(c) : (c as CapabilityOf<"unknown">).value;
}

/** One capability as on the wire: code (1), length (1), value (RFC 5492 §4). */
export function encodeCapability(c: Capability): Uint8Array {
  const value = encodeCapabilityValue(c);
  if (value.length > 255) throw new RangeError(`capability ${c.code} value too long (${value.length} bytes)`);
  const out = new Uint8Array(2 + value.length);
  out[0] = c.code;
  out[1] = value.length;
  out.set(value, 2);
  return out;
}

/**
 * Decodes a Capabilities Optional Parameter value: a sequence of capability TLVs (RFC 5492 §4), so that
 * several capabilities in one parameter are accepted. Undefined when a TLV overruns the parameter.
 */
export function decodeCapabilities(buf: Uint8Array): Capability[] | undefined {
  const out: Capability[] = [];
  let i = 0;
  while (i < buf.length) {
    if (i + 2 > buf.length) return undefined;
    const end = i + 2 + buf[i + 1];
    if (end > buf.length) return undefined;
    out.push(decodeCapability(buf[i], buf.subarray(i + 2, end)));
    i = end;
  }
  return out;
}
