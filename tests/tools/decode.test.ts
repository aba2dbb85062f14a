/**
 * `decode` against ExaBGP 5.0's decoding vectors (conformance/exabgp-5.0/decoding: `<type> [afi safi]`,
 * hex, expected JSON; compared as parsed JSON without exabgp/host/pid/ppid/time/version).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { decodeCommand } from "../../lib/tools/decode.ts";
import { decodingDir, withoutVolatile } from "../api/fixtures.ts";

interface Vector {
  readonly name: string;
  readonly kind: string;
  readonly family: string | undefined;
  readonly hex: string;
  readonly expected: string;
}

function vectors(): Vector[] {
  const dir = decodingDir();
  return readdirSync(dir).sort().map((name) => {
    const [head, hex, expected] = readFileSync(`${dir}/${name}`, "utf8").split("\n");
    const [kind, ...family] = head.trim().split(/\s+/);
    return { name, kind, family: family.length ? family.join(" ") : undefined, hex: hex.trim(), expected };
  });
}

function args(v: Vector): string[] {
  return [`--${v.kind}`, ...(v.family ? ["-f", v.family] : []), v.hex];
}

/** Every vector of the suite: unicast, OPEN, FlowSpec, EVPN and BGP-LS (issue 4: all 18 must pass). */
const MUST_PASS = vectors().map((v) => v.name);

describe("decode: ExaBGP 5.0 decoding vectors", () => {
  const all = vectors();

  for (const name of MUST_PASS) {
    it(`${name} prints the expected JSON`, () => {
      const v = all.find((x) => x.name === name);
      assert.ok(v, `vector ${name} missing`);
      const r = decodeCommand(args(v));
      assert.equal(r.exitCode, 0, r.output);
      assert.deepEqual(withoutVolatile(r.output), withoutVolatile(v.expected));
    });
  }

  it("the same without --update/--open: the type comes from the header", () => {
    // Only a full message has a header to tell its type (bare UPDATE bodies and NLRI need the flags).
    const withHeader = all.filter((v) => /^f{32}/i.test(v.hex.replace(/[\s:]/g, "")));
    assert.ok(withHeader.length >= 10, `${withHeader.length} vectors with a header`);
    for (const v of withHeader) {
      const r = decodeCommand([v.hex]);
      assert.equal(r.exitCode, 0, r.output);
      assert.deepEqual(withoutVolatile(r.output), withoutVolatile(v.expected));
    }
  });

  it("the suite has its 18 vectors, FlowSpec, EVPN and BGP-LS among them", () => {
    assert.equal(MUST_PASS.length, 18);
    for (const prefix of ["bgp-flow-", "bgp-evpn-", "bgp-ls-", "ipv4-unicast-"]) {
      assert.ok(MUST_PASS.some((n) => n.startsWith(prefix)), prefix);
    }
  });

  it("a family without a codec fails with a message naming the family, never a crash", () => {
    // MP_UNREACH_NLRI (RFC 4760 §4) of AFI 1, SAFI 200 (unassigned), two octets of NLRI.
    const r = decodeCommand(["--update", "00000008" + "800F05" + "0001C8" + "AABB"]);
    assert.equal(r.exitCode, 1, r.output);
    assert.match(r.output, /^decode: ipv4 200 NLRI cannot be decoded yet/);
  });
});

describe("decode: input forms", () => {
  const v1 = () => vectors().find((x) => x.name === "ipv4-unicast-1")!;

  it("hex may contain spaces and colons", () => {
    const v = v1();
    const spaced = v.hex.match(/.{1,8}/g)!.join(" ").replace(/^(.{16})/, "$1:");
    const r = decodeCommand(["--update", spaced]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(withoutVolatile(r.output), withoutVolatile(v.expected));
    const split = decodeCommand(["--update", ...v.hex.match(/.{1,10}/g)!]);
    assert.deepEqual(withoutVolatile(split.output), withoutVolatile(v.expected));
  });

  it("an UPDATE body without its header", () => {
    const v = v1();
    const r = decodeCommand(["--update", v.hex.slice(38)]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(withoutVolatile(r.output), withoutVolatile(v.expected));
  });

  it("several messages: one event per message, the counter going up", () => {
    const keepalive = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304";
    const r = decodeCommand([keepalive + v1().hex]);
    assert.equal(r.exitCode, 0, r.output);
    const events = r.output.split("\n").map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => [e.type, e.counter, e.neighbor.direction]), [["keepalive", 1, "in"], [
      "update",
      2,
      "in",
    ]]);
  });

  it("--nlri decodes bare NLRI of the family (RFC 4271 §4.3 prefix encoding)", () => {
    let r = decodeCommand(["--nlri", "-f", "ipv4 unicast", "18 0A0000 20 01010101"]);
    assert.equal(r.exitCode, 0, r.output);
    assert.deepEqual(r.output.split("\n").map((l) => JSON.parse(l)), [{ nlri: "10.0.0.0/24" }, {
      nlri: "1.1.1.1/32",
    }]);
    r = decodeCommand(["--nlri", "-f", "ipv6 unicast", "-i", "00000002 30 20010DB80001"]);
    assert.deepEqual(JSON.parse(r.output), { nlri: "2001:db8:1::/48", "path-information": "0.0.0.2" });
  });
});

describe("decode: what a speaker refuses is still shown", () => {
  it("an unrecognised well-known attribute (0x99, flags 0x60) is printed as ExaBGP's generic attribute", () => {
    // conf-generic-attribute.msg line 2: a session answers it with 3/2 (RFC 4271 §6.3); decode shows it.
    const hex = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF003802" +
      "0000 001C 400101 00 400200 400304C0A80164 40050400000064 609904 00000064 20 65656565";
    const r = decodeCommand(["--update", hex]);
    assert.equal(r.exitCode, 0, r.output);
    const update = JSON.parse(r.output).neighbor.message.update;
    assert.equal(update.attribute["attribute-0x99-0x60"], "0x00000064");
    assert.deepEqual(update.announce["ipv4 unicast"]["192.168.1.100"], [{ nlri: "101.101.101.101/32" }]);
  });
});

describe("decode: errors", () => {
  it("rejects what is not hex", () => {
    assert.deepEqual(decodeCommand(["zz"]), { output: "decode: the data is not hexadecimal", exitCode: 1 });
    assert.equal(decodeCommand(["ABC"]).exitCode, 1);
    assert.equal(decodeCommand([]).exitCode, 1);
  });

  it("reports a malformed message with its NOTIFICATION code", () => {
    // An UPDATE whose attribute length runs past the message (RFC 4271 §6.3: 3/1).
    const r = decodeCommand(["--update", "0000 00FF 40010100"]);
    assert.equal(r.exitCode, 1);
    assert.match(r.output, /^decode: invalid message: .*\(NOTIFICATION 3\/1\)$/);
  });

  it("a flag that contradicts the header", () => {
    const r = decodeCommand(["--open", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF001304"]);
    assert.equal(r.exitCode, 1);
    assert.equal(r.output, "decode: --open was given but the message is a keepalive");
  });

  it("unknown options and bad families are usage errors", () => {
    assert.equal(decodeCommand(["--bogus", "00"]).exitCode, 2);
    assert.equal(decodeCommand(["-f", "ipv4", "00"]).exitCode, 1);
    assert.match(decodeCommand(["-f", "ipv4", "00"]).output, /is not a family/);
    const help = decodeCommand(["--help"]);
    assert.equal(help.exitCode, 0);
    assert.match(help.output, /^usage: decode/);
  });
});
