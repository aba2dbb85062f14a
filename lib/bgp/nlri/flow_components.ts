/**
 * FlowSpec components (RFC 8955 §4.2 for IPv4, RFC 8956 §3 for IPv6): their types, operator bits and the
 * names ExaBGP gives to their values. Pure data and small lookups; the wire codec is flow.ts.
 */

/** RFC 8955 §4.2.1: the operator byte shared by numeric and bitmask operators. */
export const FlowOp = {
  /** end-of-list bit: the last operator of a component */
  EOL: 0x80,
  /** AND with the previous term (else OR) */
  AND: 0x40,
  /** value length: 1 << ((op & LEN) >> 4) octets */
  LEN: 0x30,
  /** numeric (§4.2.1.1) */
  LT: 0x04,
  GT: 0x02,
  EQ: 0x01,
  /** bitmask (§4.2.1.2) */
  NOT: 0x02,
  MATCH: 0x01,
} as const;

/** Component type codes (RFC 8955 §4.2.2, RFC 8956 §3.1–3.7). */
export const FlowType = {
  DESTINATION: 1,
  SOURCE: 2,
  PROTOCOL: 3,
  PORT: 4,
  DESTINATION_PORT: 5,
  SOURCE_PORT: 6,
  ICMP_TYPE: 7,
  ICMP_CODE: 8,
  TCP_FLAGS: 9,
  PACKET_LENGTH: 10,
  DSCP: 11,
  FRAGMENT: 12,
  FLOW_LABEL: 13,
} as const;

/**
 * One term of a numeric or bitmask component. `op` is the operator byte without the end-of-list bit: the
 * AND/LT/GT/EQ (or AND/NOT/MATCH) bits and the value length bits, kept so that a received component is
 * re-sent with the same value width.
 */
export interface FlowTerm {
  readonly op: number;
  readonly value: number;
}

/**
 * A destination or source prefix. IPv4: `offset` is 0. IPv6 (RFC 8956 §3.1): `offset` is the first bit
 * matched; like ExaBGP the pattern holds the octets of the whole prefix (ceil(length/8)), offset or not.
 */
export interface FlowPrefix {
  readonly type: 1 | 2;
  readonly kind: "prefix";
  readonly length: number;
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export interface FlowOperators {
  readonly type: number;
  readonly kind: "numeric" | "bitmask";
  readonly terms: readonly FlowTerm[];
}

/** One component of a FlowSpec NLRI, in ascending type order inside the NLRI (RFC 8955 §4.2). */
export type FlowComponent = FlowPrefix | FlowOperators;

/** The bitmask components (RFC 8955 §4.2.2.9, §4.2.2.12); every other non-prefix type is numeric. */
export function isBitmaskType(type: number): boolean {
  return type === FlowType.TCP_FLAGS || type === FlowType.FRAGMENT;
}

/** Component names as ExaBGP writes them, per AFI (type 3 and 11 differ for IPv6). */
const NAMES_V4: readonly string[] = [
  "",
  "destination-ipv4",
  "source-ipv4",
  "protocol",
  "port",
  "destination-port",
  "source-port",
  "icmp-type",
  "icmp-code",
  "tcp-flags",
  "packet-length",
  "dscp",
  "fragment",
  "flow-label",
];
const NAMES_V6: readonly string[] = NAMES_V4.map((n, i) =>
  i === 1
    ? "destination-ipv6"
    : i === 2
    ? "source-ipv6"
    : i === 3
    ? "next-header"
    : i === 11
    ? "traffic-class"
    : n
);

export function componentName(afi: number, type: number): string {
  return (afi === 2 ? NAMES_V6 : NAMES_V4)[type] ?? `component-${type}`;
}

/** IANA protocol numbers ExaBGP names (exabgp/protocol/__init__.py). */
export const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ["icmp", 1],
  ["igmp", 2],
  ["tcp", 6],
  ["egp", 8],
  ["udp", 17],
  ["rsvp", 46],
  ["gre", 47],
  ["esp", 50],
  ["ah", 51],
  ["ospf", 89],
  ["ipip", 94],
  ["pim", 103],
  ["sctp", 132],
]);

/** ICMP types (IANA icmp-parameters), ExaBGP's names. */
export const ICMP_TYPES: ReadonlyMap<string, number> = new Map([
  ["echo-reply", 0],
  ["unreachable", 3],
  ["redirect", 5],
  ["echo-request", 8],
  ["router-advertisement", 9],
  ["router-solicit", 10],
  ["time-exceeded", 11],
  ["parameter-problem", 12],
  ["timestamp", 13],
  ["timestamp-reply", 14],
  ["photuris", 40],
  ["experimental-mobility", 41],
  ["extended-echo-request", 42],
  ["extended-echo-reply", 43],
  ["experimental-one", 253],
  ["experimental-two", 254],
]);

/** ICMP codes by name (several names share a number, so codes are always shown as numbers). */
export const ICMP_CODES: ReadonlyMap<string, number> = new Map([
  ["network-unreachable", 0],
  ["host-unreachable", 1],
  ["protocol-unreachable", 2],
  ["port-unreachable", 3],
  ["fragmentation-needed", 4],
  ["source-route-failed", 5],
  ["destination-network-unknown", 6],
  ["destination-host-unknown", 7],
  ["source-host-isolated", 8],
  ["destination-network-prohibited", 9],
  ["destination-host-prohibited", 10],
  ["network-unreachable-for-tos", 11],
  ["host-unreachable-for-tos", 12],
  ["communication-prohibited-by-filtering", 13],
  ["host-precedence-violation", 14],
  ["precedence-cutoff-in-effect", 15],
  ["redirect-for-network", 0],
  ["redirect-for-host", 1],
  ["redirect-for-tos-and-net", 2],
  ["redirect-for-tos-and-host", 3],
  ["ttl-eq-zero-during-transit", 0],
  ["ttl-eq-zero-during-reassembly", 1],
  ["required-option-missing", 1],
  ["ip-header-bad", 2],
]);

/** TCP flags (RFC 8955 §4.2.2.9 bit values), ExaBGP's names; "urg" is accepted too. */
export const TCP_FLAGS: ReadonlyMap<string, number> = new Map([
  ["fin", 0x01],
  ["syn", 0x02],
  ["rst", 0x04],
  ["push", 0x08],
  ["ack", 0x10],
  ["urgent", 0x20],
  ["ece", 0x40],
  ["cwr", 0x80],
  ["ns", 0x100],
  ["urg", 0x20],
]);

/** Fragment bits (RFC 8955 §4.2.2.12). */
export const FRAGMENTS: ReadonlyMap<string, number> = new Map([
  ["dont-fragment", 0x01],
  ["is-fragment", 0x02],
  ["first-fragment", 0x04],
  ["last-fragment", 0x08],
]);

/** Value → name (the first name of a value wins), in ascending value order. */
function reverse(m: ReadonlyMap<string, number>): Map<number, string> {
  const out = new Map<number, string>();
  for (const [k, v] of [...m].sort((a, b) => a[1] - b[1])) if (!out.has(v)) out.set(v, k);
  return out;
}
const PROTOCOL_NAMES = reverse(PROTOCOLS);
const ICMP_TYPE_NAMES = reverse(ICMP_TYPES);
const TCP_FLAG_NAMES = reverse(TCP_FLAGS);
const FRAGMENT_NAMES = reverse(FRAGMENTS);

/** A bit set as names joined by "+", lowest bit first (ExaBGP's BitResource); unnamed bits as a number. */
function bitNames(value: number, names: ReadonlyMap<number, string>): string {
  const parts: string[] = [];
  let rest = value;
  // Arithmetic, not 32-bit operators: a value may have up to 8 octets (RFC 8955 §4.2.1.2), and a
  // shifted bit wraps to 0 past bit 31 (a peer's 4-octet tcp-flags value looped here forever).
  for (const [bit, name] of names) {
    if (Math.floor(rest / bit) % 2 === 1) {
      parts.push(name);
      rest -= bit;
    }
  }
  if (rest || parts.length === 0) parts.push(String(rest));
  return parts.join("+");
}

/** How ExaBGP prints the value of one term of a component. */
export function valueText(type: number, value: number): string {
  switch (type) {
    case FlowType.PROTOCOL:
      return PROTOCOL_NAMES.get(value) ?? String(value);
    case FlowType.ICMP_TYPE:
      return ICMP_TYPE_NAMES.get(value) ?? String(value);
    case FlowType.TCP_FLAGS:
      return bitNames(value, TCP_FLAG_NAMES);
    case FlowType.FRAGMENT:
      return bitNames(value, FRAGMENT_NAMES);
    default:
      return String(value);
  }
}

/** Numeric operator text (ExaBGP's NumericString): AND, then the LT/GT/EQ combination. */
const NUMERIC_TEXT: readonly string[] = ["false", "=", ">", ">=", "<", "<=", "!=", "true"];
/** Bitmask operator text (ExaBGP's BinaryString): NOT/MATCH combination. */
const BITMASK_TEXT: readonly string[] = ["", "=", "!", "!="];

/** One term as ExaBGP writes it: "&" when ANDed, the operator, the value (`true`/`false` alone). */
export function termText(type: number, t: FlowTerm): string {
  const and = t.op & FlowOp.AND ? "&" : "";
  if (isBitmaskType(type)) return and + BITMASK_TEXT[t.op & 0x03] + valueText(type, t.value);
  const cmp = t.op & 0x07;
  if (cmp === 0 || cmp === 7) return and + NUMERIC_TEXT[cmp];
  return and + NUMERIC_TEXT[cmp] + valueText(type, t.value);
}

/** The value width code (LEN bits) for `value` given the widest width allowed (1, 2 or 4 octets). */
export function lengthBits(value: number, max: number): number {
  if (value < 0x100 || max === 1) return 0x00;
  if (value < 0x10000 || max === 2) return 0x10;
  return 0x20;
}

/** Widest value width ExaBGP encodes per component type (octets). */
export function maxValueWidth(type: number): number {
  switch (type) {
    case FlowType.PORT:
    case FlowType.DESTINATION_PORT:
    case FlowType.SOURCE_PORT:
    case FlowType.TCP_FLAGS:
    case FlowType.PACKET_LENGTH:
    case FlowType.FRAGMENT:
      return 2;
    case FlowType.FLOW_LABEL:
      return 4;
    default:
      return 1;
  }
}
