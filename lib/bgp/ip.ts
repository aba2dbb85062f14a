/**
 * IP addresses and prefixes between their text form and wire bytes. Pure functions; IPv6 text output is
 * the RFC 5952 canonical form (lower case, longest run of zero groups compressed).
 */

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(text: string): boolean {
  const m = IPV4_RE.exec(text);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

export function isIPv6(text: string): boolean {
  return text.includes(":") && parseIPv6(text) !== undefined;
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

function parseIPv4(text: string): Uint8Array | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) return undefined;
    out[i] = v;
  }
  return out;
}

function parseIPv6(text: string): Uint8Array | undefined {
  let s = text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) fills the last 4 bytes.
  let tail: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.indexOf(".", lastColon) > 0) {
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail) return undefined;
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = halves.length === 2 ? [...head, ...Array(8 - total).fill("0"), ...rest] : head;
  for (let i = 0; i < 8; i++) {
    const g = all[i];
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

/** 4 or 16 bytes; throws on text that is not an address. */
export function ipToBytes(text: string): Uint8Array {
  const b = text.includes(":") ? parseIPv6(text) : parseIPv4(text);
  if (!b) throw new Error(`'${text}' is not an IP address`);
  return b;
}

/** Text of a 4-byte (IPv4) or 16-byte (IPv6) address starting at `offset`. */
export function bytesToIp(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  if (length === 4) {
    return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
  }
  if (length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${length}`);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((bytes[offset + i * 2] << 8) | bytes[offset + i * 2 + 1]);
  // RFC 5952 §4.2: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Normalises IPv4-mapped IPv6 text (::ffff:1.2.3.4) to the IPv4 form. */
export function normaliseAddress(text: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  return m ? m[1] : text;
}

export interface ParsedPrefix {
  /** 1 (IPv4) or 2 (IPv6). */
  readonly afi: number;
  readonly length: number;
  /** The significant octets only (ceil(length / 8)), host bits cleared. */
  readonly bytes: Uint8Array;
}

/** "10.0.0.0/8", "2001:db8::/32"; no length means a host route. Throws with a clear message on bad input. */
export function parsePrefix(text: string): ParsedPrefix {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const full = ipToBytes(addr);
  const max = full.length * 8;
  const length = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > max || (slash >= 0 && !/^\d+$/.test(text.slice(slash + 1)))) {
    throw new Error(`'${text}': prefix length must be 0..${max}`);
  }
  const n = (length + 7) >> 3;
  const bytes = full.slice(0, n);
  if (length % 8 !== 0 && n > 0) bytes[n - 1] &= 0xff << (8 - (length % 8));
  return { afi: full.length === 4 ? 1 : 2, length, bytes };
}

/** Text of a prefix from its significant octets. */
export function prefixToString(afi: number, bytes: Uint8Array, length: number): string {
  const full = new Uint8Array(afi === 2 ? 16 : 4);
  full.set(bytes.subarray(0, Math.min(bytes.length, full.length)));
  return `${bytesToIp(full)}/${length}`;
}
