/**
 * Shared fixtures of the event-encoder tests: where the golden data lives (ExaBGP 5.0.13's captured event
 * streams in golden/, the conformance decoding vectors), and the messages of that capture rebuilt from
 * capture.conf (iBGP AS 65000, router-id 10.0.0.1, ipv4+ipv6 unicast, route-refresh, graceful-restart 120,
 * route 192.0.2.0/24 next-hop 10.0.0.1 med 10 community 65000:1; the peer mirrors the OPEN with router-id
 * 10.0.0.2 and sends 0.0.0.0/32 next-hop 127.0.0.1).
 */
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import type { NegotiatedSummary, NeighborContext } from "../../lib/api/json.ts";
import type { OpenMessage } from "../../lib/bgp/types.ts";

const REPO = new URL("../../", import.meta.url).pathname;

/** Captured event streams, copied into the repository next to these tests (golden/README.md). */
const GOLDEN = new URL("./golden/", import.meta.url).pathname;

/** The decoding vectors: the repository's copy of the suite, else the shared one beside it. */
export function decodingDir(): string {
  const env = process.env.TSBGP_CONFORMANCE_DIR;
  const candidates = [env ? `${env}/decoding` : "", `${REPO}conformance/exabgp-5.0/decoding`];
  candidates.push(
    `${REPO}../shared/conformance/exabgp-5.0/decoding`,
    "/work/shared/conformance/exabgp-5.0/decoding",
  );
  const dir = candidates.find((d) => d && existsSync(`${d}/ipv4-unicast-1`));
  if (!dir) throw new Error(`decoding vectors not found (tried ${candidates.filter((d) => d).join(", ")})`);
  return dir;
}

export function capturedJsonLines(): string[] {
  return readFileSync(`${GOLDEN}exabgp-5.0.13-events.json.txt`, "utf8").split("\n").filter((l) => l);
}

export function capturedText(): string {
  return readFileSync(`${GOLDEN}exabgp-5.0.13-events.text.txt`, "utf8");
}

export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/[:\s]/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The keys a comparison must ignore (they depend on the machine and the clock). */
export const VOLATILE = ["exabgp", "host", "pid", "ppid", "time", "version"];

export function withoutVolatile(line: string): unknown {
  const o = JSON.parse(line) as Record<string, unknown>;
  for (const k of VOLATILE) delete o[k];
  return o;
}

export function captureNeighbor(): NeighborContext {
  return {
    localAddress: "127.0.0.1",
    peerAddress: "127.0.0.1",
    localAs: 65000,
    peerAs: 65000,
    routerId: "10.0.0.1",
    counter: 0,
  };
}

export const captureNegotiated: NegotiatedSummary = {
  messageSize: 65535,
  holdTime: 180,
  asn4: true,
  multisession: false,
  operational: false,
  refresh: "enhanced",
  families: [0x0101, 0x0201],
  nexthop: [],
  addPath: { send: [], receive: [] },
};

/** The OPEN ExaBGP sent: capability order as in its event (wire order); no hostname configured. */
export const sentOpen: OpenMessage = {
  type: "open",
  version: 4,
  asn: 65000,
  holdTime: 180,
  routerId: "10.0.0.1",
  capabilities: [
    { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
    { code: 1, name: "multiprotocol", afi: 2, safi: 1 },
    { code: 65, name: "asn4", asn: 65000 },
    {
      code: 64,
      name: "graceful-restart",
      restartFlags: 0x8,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, flags: 0x80 }, { afi: 2, safi: 1, flags: 0x80 }],
    },
    { code: 2, name: "route-refresh" },
    { code: 70, name: "enhanced-route-refresh" },
    { code: 6, name: "extended-message" },
    { code: 73, name: "hostname", hostname: "", domain: "" },
  ],
};

/**
 * The peer's OPEN body (RFC 4271 §4.2, one capability per optional parameter, RFC 5492): AS 65000, hold
 * 180, id 10.0.0.2; MP ipv4/unicast, MP ipv6/unicast, ASN4 65000, graceful restart (R bit, 120 s, both
 * families with F bit), route refresh, enhanced route refresh, extended message.
 */
export const receivedOpenBody = fromHex(
  "04 FDE8 00B4 0A000002 32" +
    "02060104 0001 0001" + "02060104 0002 0001" + "02064104 0000FDE8" +
    "020C400A 8078 0001 0180 0002 0180" + "02020200" + "02024600" + "02020600",
);

/** UPDATE bodies (RFC 4271 §4.3) of the capture. */
export const sentUpdateBody = fromHex(
  "0000 0023" + "40010100" + "400200" + "400304 0A000001" + "800404 0000000A" + "400504 00000064" +
    "C00804 FDE80001" + "18 C00002",
);
export const receivedUpdateBody = fromHex(
  "0000 0015" + "40010100" + "400200" + "400304 7F000001" + "400504 00000064" + "20 00000000",
);
/** RFC 4724 §2 End-of-RIB: empty UPDATE for IPv4 unicast, empty MP_UNREACH for the others. */
export const eorIpv4Body = fromHex("00000000");
export const eorIpv6Body = fromHex("0000 0007 900F0003 000201");

/** Strings a hostile peer could put in a hostname, software version or shutdown communication. */
export const HOSTILE = [
  'evil\n{ "exabgp": "5.0.0", "type": "update" }',
  'quote" } } { "forged": true',
  "nul\u0000byte",
  "cr\r\nlf",
  "tab\tand\bbackspace\u001b[31m",
  "del\u007f and nel\u0085",
  "line\u2028separator\u2029paragraph",
  "back\\slash",
  "close ] bracket ) paren , comma",
  "lone \ud800 surrogate",
  "}",
  "",
];

/** Any character that some line reader takes as a line end, or a terminal acts on. */
// deno-lint-ignore no-control-regex
export const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** An UPDATE carrying one of each attribute ExaBGP names (RFC 4271 §5, 1997, 4360, 4456, 6793, 8092). */
export const allAttributesBody = fromHex(
  "0000 0079" +
    "40010100" + // ORIGIN igp
    "400210 0202 0000FDE9 0000FDEA 0101 0000FDEB" + // AS_PATH: sequence 65001 65002, set 65003 (4-byte)
    "400304 0A000001" + // NEXT_HOP 10.0.0.1
    "800404 000000C8" + // MED 200
    "400504 00000064" + // LOCAL_PREF 100
    "400600" + // ATOMIC_AGGREGATE
    "C00708 0000FDE8 01020304" + // AGGREGATOR 65000 1.2.3.4
    "C00808 FDE80001 FFFFFF01" + // COMMUNITY 65000:1 no-export
    "800904 01010101" + // ORIGINATOR_ID 1.1.1.1
    "800A08 02020202 03030303" + // CLUSTER_LIST
    "C01010 8006000000000000 0002FDE800000064" + // traffic-rate 0 (RFC 8955 §7.3), route target 65000:100
    "C0200C 0000FDE8 00000001 00000002" + // LARGE_COMMUNITY 65000:1:2
    "08 0A", // 10.0.0.0/8
);
