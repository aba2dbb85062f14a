import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BgpError } from "../../../lib/bgp/error.ts";
import { frame } from "../../../lib/bgp/message/header.ts";
import { decodeKeepalive, KEEPALIVE, KEEPALIVE_BYTES } from "../../../lib/bgp/message/keepalive.ts";
import {
  decodeRouteRefresh,
  encodeRouteRefresh,
  RefreshSubtype,
  routeRefresh,
} from "../../../lib/bgp/message/route_refresh.ts";
import { fromHex, toHex } from "./hex.ts";

const M = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF";

describe("ROUTE-REFRESH (RFC 2918, RFC 7313)", () => {
  // The three ipv4 unicast forms of the conformance suite (api-rr-rib and friends).
  const CASES: [string, number][] = [
    [M + "0017" + "05" + "00010001", RefreshSubtype.REQUEST],
    [M + "0017" + "05" + "00010101", RefreshSubtype.BORR],
    [M + "0017" + "05" + "00010201", RefreshSubtype.EORR],
  ];
  for (const [hex, subtype] of CASES) {
    it(`encodes and decodes subtype ${subtype}`, () => {
      const msg = routeRefresh(1, 1, subtype);
      assert.equal(toHex(frame(5, encodeRouteRefresh(msg))), hex);
      assert.deepEqual(decodeRouteRefresh(fromHex(hex).subarray(19)), msg);
    });
  }

  it("keeps a 2-byte AFI and the SAFI apart from the subtype", () => {
    const msg = routeRefresh(25, 70, 0);
    assert.equal(toHex(encodeRouteRefresh(msg)), "00190046");
    assert.deepEqual(decodeRouteRefresh(fromHex("00190046")), msg);
  });

  it("rejects a body that is not 4 bytes with 7/1 (RFC 7313 §5)", () => {
    const body = fromHex("0001000100");
    assert.throws(() => decodeRouteRefresh(body), (e: unknown) => {
      assert.ok(e instanceof BgpError);
      assert.deepEqual([e.code, e.subcode], [7, 1]);
      assert.deepEqual(e.data, body);
      return true;
    });
  });
});

describe("KEEPALIVE (RFC 4271 §4.4)", () => {
  it("is a bare header", () => {
    assert.equal(toHex(KEEPALIVE_BYTES), M + "0013" + "04");
    assert.equal(decodeKeepalive(new Uint8Array(0)), KEEPALIVE);
  });

  it("rejects a body with 1/2 and the length as data", () => {
    assert.throws(() => decodeKeepalive(new Uint8Array(1)), (e: unknown) => {
      assert.ok(e instanceof BgpError);
      assert.deepEqual([e.code, e.subcode], [1, 2]);
      assert.deepEqual(e.data, new Uint8Array([0, 20]));
      return true;
    });
  });
});
