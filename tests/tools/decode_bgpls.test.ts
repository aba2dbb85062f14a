/**
 * `decode` on ExaBGP 5.0's BGP-LS decoding vectors (conformance/exabgp-5.0/decoding/bgp-ls-1 … 10):
 * link, node and IPv4 prefix NLRI (OSPF and IS-IS descriptors), the BGP-LS attribute with TE, SR and SRv6
 * TLVs. Compared as parsed JSON without the per-run keys, as the vectors' README says.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeCommand } from "../../lib/tools/decode.ts";
import { decodingDir, withoutVolatile } from "../api/fixtures.ts";
import { runCli } from "../helpers/speaker.ts";

function vector(name: string): { args: string[]; expected: string } {
  const [head, hex, expected] = readFileSync(`${decodingDir()}/${name}`, "utf8").split("\n");
  const [kind, ...family] = head.trim().split(/\s+/);
  return { args: [`--${kind}`, "-f", family.join(" "), hex.trim()], expected };
}

const NAMES = Array.from({ length: 10 }, (_, i) => `bgp-ls-${i + 1}`);

describe("decode: BGP-LS vectors", () => {
  for (const name of NAMES) {
    it(`${name} prints ExaBGP's JSON`, () => {
      const v = vector(name);
      const r = decodeCommand(v.args);
      assert.equal(r.exitCode, 0, r.output);
      const lines = r.output.split("\n");
      assert.equal(lines.length, 1, r.output);
      assert.deepEqual(withoutVolatile(lines[0]), withoutVolatile(v.expected));
    });
  }

  it("an UPDATE with its header needs no --update or -f: the family comes from MP_REACH_NLRI", () => {
    const v = vector("bgp-ls-2");
    const r = decodeCommand([v.args[3]]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(withoutVolatile(r.output), withoutVolatile(v.expected));
  });

  it("bgp-ls-1 through the executable (subprocess)", async () => {
    const v = vector("bgp-ls-1");
    const r = await runCli(["decode", ...v.args]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(withoutVolatile(r.stdout.trim()), withoutVolatile(v.expected));
  });

  it("a withdrawn node NLRI (MP_UNREACH_NLRI) is shown without a next hop", () => {
    // RFC 9552 §5.2: node NLRI, OSPFv2, local node AS 65001 and router id 10.1.1.1.
    const nlri = "0001 001D 03 0000000000000000 0100 0010 0200 0004 0000FDE9 0203 0004 0A010101";
    const r = decodeCommand(["--update", `0000 0027 800F24 4004 47 ${nlri}`]);
    assert.equal(r.exitCode, 0, r.output);
    const update = JSON.parse(r.output).neighbor.message.update;
    assert.deepEqual(update.withdraw, {
      "bgp-ls bgp-ls": [{
        "ls-nlri-type": "bgpls-node",
        "l3-routing-topology": 0,
        "protocol-id": 3,
        "node-descriptors": [{ "autonomous-system": 65001 }, { "router-id": "10.1.1.1" }],
      }],
    });
  });

  it("ipv4 rtc (RFC 4684) and ipv4 sr-policy (RFC 9830) UPDATEs decode too", () => {
    // MP_REACH_NLRI 1/132, next hop 192.0.2.1, NLRI /96 origin 65000 target 65000:100.
    let r = decodeCommand([
      "--update",
      "0000 0027 40010100 400200 40050400000064 800E16 0001 84 04 C0000201 00 60 0000FDE8 0002FDE800000064",
    ]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(JSON.parse(r.output).neighbor.message.update.announce, {
      "ipv4 rtc": { "192.0.2.1": [{ origin: 65000, "route-target": "target:65000:100" }] },
    });
    // MP_REACH_NLRI 1/73, next hop 192.0.2.1, distinguisher 1, color 100, endpoint 192.0.2.2.
    r = decodeCommand([
      "--update",
      "0000 0027 40010100 400200 40050400000064 800E16 0001 49 04 C0000201 00 60 00000001 00000064 C0000202",
    ]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(JSON.parse(r.output).neighbor.message.update.announce, {
      "ipv4 sr-policy": { "192.0.2.1": [{ distinguisher: 1, color: 100, endpoint: "192.0.2.2" }] },
    });
  });

  it("a truncated BGP-LS NLRI is an error with a message, not a crash", () => {
    const v = vector("bgp-ls-1");
    const r = decodeCommand([v.args[0], v.args[1], v.args[2], v.args[3].slice(0, -2)]);
    assert.equal(r.exitCode, 1);
    assert.match(r.output, /^decode: invalid message: BGP-LS NLRI: .*overruns/);
  });
});
