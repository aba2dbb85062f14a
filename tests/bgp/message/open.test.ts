import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BgpError } from "../../../lib/bgp/error.ts";
import { decodeOpen, encodeOpen } from "../../../lib/bgp/message/open.ts";
import { frame } from "../../../lib/bgp/message/header.ts";
import type { Capability, OpenMessage } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

// encoding/conf-hostname.msg (etc/conf-hostname.conf): the OPEN the test peer inspects.
const HOSTNAME_OPEN = M +
  "0055" + "01" +
  "04FFFD00B40A000002380206010400010001020641040000FFFD02020600022249200C6D792D686F73742D6E616D65126D792D646F6D61696E2D6E616D652E636F6D";
// encoding/conf-cap-software-version.msg (etc/conf-cap-software-version.conf, exabgp_version=5.0.0-0+test).
const SOFTWARE_OPEN = M +
  "0049" + "01" +
  "04FFFD00B40A0000022C0206010400010001020641040000FFFD0202060002164B14134578614247502F352E302E302D302B74657374";
// decoding/bgp-open-sofware-version.
const DECODING_OPEN = M +
  "0051" + "01" +
  "04FFFD00B40A000002340206010400010001020641040000FFFD02224B201F4578614247502F6D61696E2D633261326561386562642D3230323430373135";

/** The configuration both encoding tests share: router-id 10.0.0.2, AS 65533, hold-time 180, ipv4 unicast. */
function confOpen(extra: Capability[]): OpenMessage {
  return {
    type: "open",
    version: 4,
    asn: 65533,
    holdTime: 180,
    routerId: "10.0.0.2",
    capabilities: [
      { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
      { code: 65, name: "asn4", asn: 65533 },
      // extended-message is on by default in ExaBGP
      { code: 6, name: "extended-message" },
      ...extra,
    ],
  };
}

function bodyOf(hex: string): Uint8Array {
  return fromHex(hex).subarray(19);
}

function openError(body: Uint8Array): BgpError {
  try {
    decodeOpen(body);
  } catch (e) {
    assert.ok(e instanceof BgpError);
    return e;
  }
  assert.fail("decodeOpen accepted a bad OPEN");
}

describe("OPEN (RFC 4271 §4.2)", () => {
  it("encodes conf-hostname's OPEN byte for byte", () => {
    const open = confOpen([{
      code: 73,
      name: "hostname",
      hostname: "my-host-name",
      domain: "my-domain-name.com",
    }]);
    assert.equal(toHex(frame(1, encodeOpen(open))), HOSTNAME_OPEN);
  });

  it("encodes conf-cap-software-version's OPEN byte for byte", () => {
    const open = confOpen([{ code: 75, name: "software-version", version: "ExaBGP/5.0.0-0+test" }]);
    assert.equal(toHex(frame(1, encodeOpen(open))), SOFTWARE_OPEN);
  });

  it("decodes conf-hostname's OPEN", () => {
    const open = decodeOpen(bodyOf(HOSTNAME_OPEN));
    assert.deepEqual(
      open,
      confOpen([{ code: 73, name: "hostname", hostname: "my-host-name", domain: "my-domain-name.com" }]),
    );
  });

  it("decodes the software-version decoding vector", () => {
    const open = decodeOpen(bodyOf(DECODING_OPEN));
    assert.equal(open.version, 4);
    assert.equal(open.asn, 65533);
    assert.equal(open.holdTime, 180);
    assert.equal(open.routerId, "10.0.0.2");
    assert.deepEqual(open.capabilities, [
      { code: 1, name: "multiprotocol", afi: 1, safi: 1 },
      { code: 65, name: "asn4", asn: 65533 },
      { code: 75, name: "software-version", version: "ExaBGP/main-c2a2ea8ebd-20240715" },
    ]);
  });

  it("accepts several capabilities in one optional parameter (RFC 5492 §4)", () => {
    // One parameter of 14 bytes: multiprotocol ipv6 unicast, route-refresh, asn4 4200000000.
    const body = fromHex("04 5BA0 005A C0000201 10 020E 0104 00020001 0200 4104 FA56EA00");
    const open = decodeOpen(body);
    assert.equal(open.asn, 23456);
    assert.equal(open.holdTime, 90);
    assert.equal(open.routerId, "192.0.2.1");
    assert.deepEqual(open.capabilities, [
      { code: 1, name: "multiprotocol", afi: 2, safi: 1 },
      { code: 2, name: "route-refresh" },
      { code: 65, name: "asn4", asn: 4200000000 },
    ]);
  });

  it("writes AS_TRANS for a 4-byte ASN", () => {
    const body = encodeOpen({
      type: "open",
      version: 4,
      asn: 4200000000,
      holdTime: 0,
      routerId: "1.2.3.4",
      capabilities: [],
    });
    assert.equal(toHex(body), "045BA00000010203" + "0400");
  });

  it("switches to RFC 9072 extended parameters past 255 bytes and reads them back", () => {
    // 30 families: 30 parameters of 8 bytes = 240, plus asn4 (8) and a 20-byte unknown (24) = 272 > 255.
    const caps: Capability[] = [];
    for (let safi = 1; safi <= 30; safi++) caps.push({ code: 1, name: "multiprotocol", afi: 1, safi });
    caps.push({ code: 65, name: "asn4", asn: 65000 });
    caps.push({ code: 200, name: "unknown", value: new Uint8Array(20).fill(7) });
    const open: OpenMessage = {
      type: "open",
      version: 4,
      asn: 65000,
      holdTime: 180,
      routerId: "10.0.0.1",
      capabilities: caps,
    };
    const body = encodeOpen(open);
    // Non-Ext OP Len 255, Non-Ext OP Type 255, Extended Opt. Parm. Length = 32 params, each 3 + value.
    const extLength = 30 * (3 + 6) + (3 + 6) + (3 + 22);
    assert.equal(body[9], 255);
    assert.equal(body[10], 255);
    assert.equal((body[11] << 8) | body[12], extLength);
    assert.equal(body.length, 13 + extLength);
    // First parameter: type 2, 2-byte length 6, multiprotocol ipv4 unicast.
    assert.equal(toHex(body.subarray(13, 22)), "020006" + "010400010001");
    assert.deepEqual(decodeOpen(body), open);
  });

  it("keeps the plain form at exactly 255 bytes of parameters", () => {
    // 1 unknown capability of 251 bytes value: parameter = 2 + 2 + 251 = 255.
    const caps: Capability[] = [{ code: 200, name: "unknown", value: new Uint8Array(251) }];
    const body = encodeOpen({
      type: "open",
      version: 4,
      asn: 1,
      holdTime: 3,
      routerId: "1.1.1.1",
      capabilities: caps,
    });
    assert.equal(body[9], 255);
    assert.equal(body[10], 2);
    assert.equal(body.length, 10 + 255);
    assert.deepEqual(decodeOpen(body).capabilities, caps);
  });

  it("rejects version 3 with 2/1 and the supported version as data", () => {
    const e = openError(fromHex("03 FDE8 00B4 0A000001 00"));
    assert.deepEqual([e.code, e.subcode], [2, 1]);
    assert.deepEqual(e.data, new Uint8Array([0, 4]));
  });

  it("rejects AS 0 with 2/2", () => {
    const e = openError(fromHex("04 0000 00B4 0A000001 00"));
    assert.deepEqual([e.code, e.subcode], [2, 2]);
  });

  it("rejects BGP identifier 0.0.0.0 with 2/3", () => {
    const e = openError(fromHex("04 FDE8 00B4 00000000 00"));
    assert.deepEqual([e.code, e.subcode], [2, 3]);
  });

  it("rejects hold times 1 and 2 with 2/6 and accepts 0 and 3", () => {
    for (const hold of ["0001", "0002"]) {
      const e = openError(fromHex(`04 FDE8 ${hold} 0A000001 00`));
      assert.deepEqual([e.code, e.subcode], [2, 6]);
    }
    assert.equal(decodeOpen(fromHex("04 FDE8 0000 0A000001 00")).holdTime, 0);
    assert.equal(decodeOpen(fromHex("04 FDE8 0003 0A000001 00")).holdTime, 3);
  });

  it("rejects an unknown optional parameter type with 2/4", () => {
    const e = openError(fromHex("04 FDE8 00B4 0A000001 04 0102 0000"));
    assert.deepEqual([e.code, e.subcode], [2, 4]);
  });

  it("rejects inconsistent parameter lengths with 2/0", () => {
    for (
      const hex of [
        "04 FDE8 00B4 0A000001 05 0206 01040001", // optional parameters length past the end
        "04 FDE8 00B4 0A000001 04 0206 0104", // parameter longer than the optional parameters
        "04 FDE8 00B4 0A000001 04 0202 0105", // capability longer than its parameter
        "04 FDE8 00B4 0A000001 FF FF 00", // truncated RFC 9072 length
      ]
    ) {
      const e = openError(fromHex(hex));
      assert.deepEqual([e.code, e.subcode], [2, 0], hex);
    }
  });
});
