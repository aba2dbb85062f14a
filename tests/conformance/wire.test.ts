import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  capabilityOffsets,
  Framer,
  fromHex,
  isEndOfRib,
  isRouteRefreshRequest,
  shutdownNotification,
  summarize,
  toHex,
} from "../../scripts/conformance/wire.ts";
import { SPEAKER_OPEN } from "./fake-speaker.ts";

const MARKER = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

describe("peer wire helpers", () => {
  it("recognises both End-of-RIB shapes (RFC 4724 §2) and nothing else", () => {
    assert.equal(isEndOfRib(MARKER + "00170200000000"), true);
    assert.equal(isEndOfRib(MARKER + "001E0200000007900F0003000201"), true); // IPv6 unicast
    assert.equal(isEndOfRib(MARKER + "001E0200000007900F0003000185"), true); // IPv4 flow
    // an MP_UNREACH_NLRI that withdraws a prefix is not an End-of-RIB
    assert.equal(isEndOfRib(MARKER + "00230200000007900F000800020120FC000000"), false);
    assert.equal(isEndOfRib(MARKER + "001C02000520C0A800010000"), false);
  });

  it("tells a ROUTE-REFRESH request from BoRR/EoRR markers (RFC 7313 §3.2)", () => {
    assert.equal(isRouteRefreshRequest(fromHex(MARKER + "00170500010001")), true);
    assert.equal(isRouteRefreshRequest(fromHex(MARKER + "00170500010101")), false);
    assert.equal(isRouteRefreshRequest(fromHex(MARKER + "00170500010201")), false);
    assert.equal(isRouteRefreshRequest(fromHex(MARKER + "00170200000000")), false);
  });

  it("builds Cease/2 with an RFC 9003 length-prefixed text", () => {
    assert.equal(toHex(shutdownNotification("bye")), MARKER + "0019" + "03" + "06" + "02" + "03" + "627965");
    const long = shutdownNotification("x".repeat(300));
    assert.equal(long.length, 19 + 3 + 255); // the text is cut at 255 octets, the most one length octet says
  });

  it("summarises NOTIFICATIONs for reports", () => {
    // api-teardown's Cease/4 with the RFC 9003 text "Administrative Reset"
    assert.equal(
      summarize(fromHex(MARKER + "002A03" + "0604" + "14" + "41646D696E697374726174697665205265736574")),
      'NOTIFICATION 6/4 "Administrative Reset"',
    );
    // unknown-message: ExaBGP's 1/3 with plain text data
    assert.equal(
      summarize(
        fromHex(
          MARKER + "003903010363616E206E6F74206465636F6465206D657373616765206F662074797065202232353522",
        ),
      ),
      'NOTIFICATION 1/3 "can not decode message of type \\"255\\""',
    );
    assert.equal(summarize(fromHex(MARKER + "00170200000000")), "UPDATE");
  });

  it("finds the 4-octet AS capability inside the OPEN's parameters", () => {
    // SPEAKER_OPEN: parameters start at 29; the second one holds capability 65 at 29 + 8 + 2
    assert.deepEqual(capabilityOffsets(SPEAKER_OPEN, 65), [39]);
    assert.deepEqual(capabilityOffsets(SPEAKER_OPEN, 75), [51]); // software version (draft-ietf-idr-software-version)
    assert.deepEqual(capabilityOffsets(SPEAKER_OPEN, 99), []);
  });

  it("frames a stream and refuses a bad marker", () => {
    const framer = new Framer();
    const two = fromHex(MARKER + "001304" + MARKER + "00170200000000");
    assert.deepEqual(framer.push(two.subarray(0, 5)), []);
    const out = framer.push(two.subarray(5, 30));
    assert.deepEqual(out.map(toHex), [MARKER + "001304"]);
    assert.deepEqual(framer.push(two.subarray(30)).map(toHex), [MARKER + "00170200000000"]);
    assert.throws(() => new Framer().push(fromHex("00".repeat(19))), /bad marker/);
    assert.throws(() => new Framer().push(fromHex(MARKER + "001004")), /bad message length 16/);
  });
});
