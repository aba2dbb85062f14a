/** PMSI_TUNNEL (type 22, RFC 6514 §5): building, reading, and ExaBGP's presentation (attribute/pmsi.py). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decodePmsi,
  encodePmsi,
  ingressReplication,
  pmsiJson,
  pmsiToString,
} from "../../../lib/bgp/attribute/pmsi.ts";
import { decodeAttributes, encodeAttribute } from "../../../lib/bgp/attribute/codec.ts";
import { attributeJson } from "../../../lib/api/json.ts";
import { DEFAULT_CONTEXT } from "../../../lib/bgp/types.ts";
import { fromHex, toHex } from "../update/wire.ts";

describe("PMSI_TUNNEL attribute (RFC 6514 §5)", () => {
  // RFC 6514 §5 layout: flags 0, type 6 (Ingress Replication), label 100 (0x000640), tunnel 10.0.0.1.
  const VALUE = "0006" + "000640" + "0A000001";

  it("an Ingress Replication tunnel is optional transitive, label in the high 20 bits", () => {
    const a = ingressReplication("10.0.0.1", 100);
    assert.ok(a.kind === "generic");
    assert.equal(a.code, 22);
    assert.equal(a.flags, 0xc0);
    assert.equal(toHex(a.value), VALUE);
    // Flags 0xC0, type 22, length 9, then the value.
    assert.equal(toHex(encodeAttribute(a, DEFAULT_CONTEXT)), "C01609" + VALUE);
  });

  it("reads its fields back; a value under 5 octets is not a PMSI", () => {
    const p = decodePmsi(fromHex(VALUE))!;
    assert.deepEqual([p.flags, p.tunnelType, p.rawLabel >>> 4, toHex(p.tunnel)], [0, 6, 100, "0A000001"]);
    assert.equal(toHex(encodePmsi(p)), VALUE);
    assert.equal(decodePmsi(fromHex("00060006")), undefined);
  });

  it("text and JSON as ExaBGP's repr: type name, flags, label (raw when low bits set), tunnel", () => {
    assert.equal(pmsiToString(decodePmsi(fromHex(VALUE))!), "pmsi:ingressreplication:0:100:10.0.0.1");
    assert.equal(pmsiToString(decodePmsi(fromHex("8000000641"))!), "pmsi:notunnel:128:100(1601):");
    assert.equal(pmsiToString(decodePmsi(fromHex("0003000000C0A80001"))!), "pmsi:pim-ssmtree:0:0:0xC0A80001");
    assert.equal(pmsiJson(fromHex(VALUE)), `"pmsi-tunnel": "pmsi:ingressreplication:0:100:10.0.0.1"`);
  });

  it("a received PMSI_TUNNEL is kept verbatim and shown by name in JSON", () => {
    const wire = fromHex("C01609" + VALUE);
    const { attributes, malformed } = decodeAttributes(wire, DEFAULT_CONTEXT);
    assert.deepEqual(malformed, []);
    assert.equal(attributes.length, 1);
    assert.equal(toHex(encodeAttribute(attributes[0], DEFAULT_CONTEXT)), toHex(wire));
    assert.equal(attributeJson(attributes[0]), `"pmsi-tunnel": "pmsi:ingressreplication:0:100:10.0.0.1"`);
  });
});
