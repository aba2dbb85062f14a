/**
 * BGP Prefix-SID attribute (type 40; RFC 8669, RFC 9252): the values ExaBGP sent in the conformance tests
 * (conf-prefix-sid: label index and originator SRGB; conf-srv6-mup: SRv6 L3 service with SID structure) are
 * read into their fields and built again from the grammar, byte for byte; malformed values are refused.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  decodePrefixSid,
  encodePrefixSid,
  PREFIX_SID,
  prefixSidJson,
  prefixSidToString,
} from "../../../lib/bgp/attribute/prefix_sid.ts";
import { decodeUpdate } from "../../../lib/bgp/message/update.ts";
import { DEFAULT_CONTEXT } from "../../../lib/bgp/types.ts";
import { parsePrefixSid, parsePrefixSidSrv6 } from "../../../lib/config/mup.ts";
import { parseRouteLine, RouteError } from "../../../lib/config/route.ts";
import { parseExabgpConfig } from "../../../lib/config/exabgp.ts";
import { tokenize } from "../../../lib/config/tokenizer.ts";
import { conformanceDir, conformanceUpdates, fromHex, toHex } from "../update/wire.ts";

/** The Prefix-SID values (type 40) of a conformance test's UPDATEs, in order. */
function prefixSids(test: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of conformanceUpdates(test)) {
    for (const a of decodeUpdate(m.subarray(19), DEFAULT_CONTEXT).attributes) {
      if (a.code === PREFIX_SID && a.kind === "generic") {
        assert.equal(a.flags, 0xc0); // optional transitive, RFC 8669 §3
        out.push(a.value);
      }
    }
  }
  return out;
}

function valueOf(a: ReturnType<typeof parsePrefixSid>): string {
  assert.ok(a.kind === "generic" && a.code === PREFIX_SID && a.flags === 0xc0);
  return toHex(a.value);
}

describe("Prefix-SID label index and originator SRGB (RFC 8669, conf-prefix-sid)", () => {
  it("reads the values ExaBGP sent", () => {
    const [one, two] = prefixSids("conf-prefix-sid");
    assert.deepEqual(decodePrefixSid(one), [{ type: 1, flags: 0, labelIndex: 777 }]);
    assert.deepEqual(decodePrefixSid(two), [
      { type: 1, flags: 0, labelIndex: 300 },
      { type: 3, flags: 0, srgbs: [[800000, 4096], [1000000, 5000]] },
    ]);
  });

  it("the grammar builds them byte for byte", () => {
    const [one, two] = prefixSids("conf-prefix-sid");
    assert.equal(valueOf(parsePrefixSid(tokenize("[ 777 ]"))), toHex(one));
    assert.equal(
      valueOf(parsePrefixSid(tokenize("[ 300, [ ( 800000,4096 ), ( 1000000,5000 ) ] ]"))),
      toHex(two),
    );
    assert.equal(valueOf(parsePrefixSid(tokenize("777"))), toHex(one));
  });

  it("a route of etc/conf-prefix-sid.conf carries the attribute (nlri-mpls, RFC 8277 label)", () => {
    const text = readFileSync(`${conformanceDir()}etc/conf-prefix-sid.conf`, "utf8");
    const nb = parseExabgpConfig(text, "conf-prefix-sid.conf").neighbors[0];
    assert.equal(nb.unsupported.length, 0);
    assert.equal(nb.routes.length, 2);
    const values = nb.routes.map((r) => {
      const a = r.attributes.find((x) => x.code === PREFIX_SID);
      assert.ok(a && a.kind === "generic");
      return toHex(a.value);
    });
    assert.deepEqual(values, prefixSids("conf-prefix-sid").map(toHex));
  });

  it("the text form reads back to the same value", () => {
    for (const v of prefixSids("conf-prefix-sid")) {
      const text = prefixSidToString(v)!;
      const r = parseRouteLine(`10.0.0.0/24 next-hop 10.0.0.1 ${text}`);
      const a = r[0].attributes.find((x) => x.code === PREFIX_SID);
      assert.ok(a && a.kind === "generic");
      assert.equal(toHex(a.value), toHex(v), text);
    }
  });

  it("JSON names the label index as ExaBGP does (attribute/sr/labelindex.py)", () => {
    const [one] = prefixSids("conf-prefix-sid");
    assert.equal(prefixSidJson(one), `"bgp-prefix-sid": { "sr-label-index": 777 }`);
  });
});

describe("Prefix-SID SRv6 services (RFC 9252, conf-srv6-mup)", () => {
  it("reads the L3 service: SID, behavior and SID structure", () => {
    const values = prefixSids("conf-srv6-mup");
    assert.equal(values.length, 4);
    assert.deepEqual(decodePrefixSid(values[0]), [{
      type: 5,
      services: [{ sid: "2001:db8:1:1::", flags: 0, behavior: 0x48, structure: [64, 24, 16, 0, 0, 0] }],
    }]);
  });

  it("the grammar builds every value of the test byte for byte", () => {
    const written = [
      "( l3-service 2001:db8:1:1:: 0x48 [64,24,16,0,0,0] )",
      "( l3-service 2001:db8:1:1:: 0x13 [64,24,16,0,0,0] )",
      "( l3-service 2001:db8:1:1:: 0x47 [64,24,16,0,0,0] )",
      "( l3-service 2001:db8:2:2:: 0x18 [64,24,16,0,0,0] )",
    ].map((t) => valueOf(parsePrefixSidSrv6(tokenize(t))));
    assert.deepEqual(written, prefixSids("conf-srv6-mup").map(toHex));
  });

  it("without behavior or structure: behavior 0xFFFF and no SID Structure sub-sub-TLV", () => {
    // TLV 6 (L2 service), length 25: reserved; sub-TLV 1, length 21: reserved, SID, flags, behavior, reserved.
    const want = "060019" + "00" + "010015" + "00" + "20010DB8000000000000000000000001" + "00" + "FFFF" +
      "00";
    assert.equal(valueOf(parsePrefixSidSrv6(tokenize("( l2-service 2001:db8::1 )"))), want);
    assert.deepEqual(decodePrefixSid(fromHex(want)), [
      { type: 6, services: [{ sid: "2001:db8::1", flags: 0, behavior: 0xffff }] },
    ]);
  });

  it("encodes and re-reads every value identically", () => {
    for (const v of prefixSids("conf-srv6-mup")) {
      assert.equal(toHex(encodePrefixSid(decodePrefixSid(v)!)), toHex(v));
      const text = prefixSidToString(v)!;
      assert.equal(valueOf(parsePrefixSidSrv6(tokenize(text.replace("bgp-prefix-sid-srv6 ", "")))), toHex(v));
    }
  });
});

describe("Prefix-SID: malformed values and grammar errors", () => {
  it("a TLV overrunning the attribute, or a label index TLV of the wrong size, is malformed", () => {
    assert.equal(decodePrefixSid(fromHex("01000800000000000309")), undefined);
    assert.equal(decodePrefixSid(fromHex("010006000000000003")), undefined);
    assert.equal(prefixSidJson(fromHex("0100")), undefined);
  });

  it("an unknown TLV is kept verbatim", () => {
    const v = fromHex("070002010201000700000000000309");
    assert.equal(toHex(encodePrefixSid(decodePrefixSid(v)!)), toHex(v));
  });

  it("rejects an unknown service, a non-IPv6 SID, and an SRGB beyond 24 bits", () => {
    assert.throws(() => parsePrefixSidSrv6(tokenize("( l4-service 2001:db8::1 )")), RouteError);
    assert.throws(() => parsePrefixSidSrv6(tokenize("( l3-service 10.0.0.1 )")), RouteError);
    assert.throws(() => parsePrefixSid(tokenize("[ 1, [ ( 16777216,1 ) ] ]")), RouteError);
  });
});
