/** Attribute interning: one set per distinct (attributes, next hop), reference counted, ids reused. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Attribute } from "../../lib/bgp/types.ts";
import { AttributeStore } from "../../lib/rib/attribute_store.ts";

const med = (value: number): Attribute => ({ code: 4, kind: "med", value });
const origin: Attribute = { code: 1, kind: "origin", value: 0 };
const community: Attribute = { code: 8, kind: "community", values: [0xffffff01] };
const nh = (address: string) => ({ kind: "ip", address }) as const;

describe("AttributeStore", () => {
  it("equal attribute sets share one id whatever their order or array", () => {
    const store = new AttributeStore();
    const a = store.intern([origin, med(5), community], nh("10.0.0.1"));
    const b = store.intern([community, med(5), origin], nh("10.0.0.1"));
    const c = store.intern([{ code: 4, kind: "med", value: 5 }, community, origin], {
      kind: "ip",
      address: "10.0.0.1",
    });
    assert.equal(a, b);
    assert.equal(a, c);
    assert.equal(store.size, 1);
    assert.deepEqual(store.get(a).attributes.map((x) => x.code), [1, 4, 8], "kept sorted by type code");
  });

  it("a different value or next hop is a different set", () => {
    const store = new AttributeStore();
    const attrs = [origin, med(5)];
    const a = store.intern(attrs, nh("10.0.0.1"));
    assert.notEqual(store.intern(attrs, nh("10.0.0.2")), a, "same array, other next hop");
    assert.notEqual(store.intern([origin, med(6)], nh("10.0.0.1")), a);
    assert.notEqual(store.intern(attrs, { kind: "self" }), a);
    assert.equal(store.intern(attrs, nh("10.0.0.1")), a);
    assert.equal(store.size, 4);
  });

  it("NEXT_HOP and MP attributes are not part of the set (the next hop is)", () => {
    const store = new AttributeStore();
    const a = store.intern([origin, { code: 3, kind: "next-hop", address: "10.0.0.9" }], nh("10.0.0.1"));
    assert.equal(store.intern([origin], nh("10.0.0.1")), a);
    assert.deepEqual(store.get(a).attributes, [origin]);
  });

  it("a set is freed with its last reference and its id reused", () => {
    const store = new AttributeStore();
    const a = store.intern([med(1)]);
    store.ref(a);
    store.ref(a);
    store.unref(a);
    assert.equal(store.refs(a), 1);
    store.unref(a);
    assert.equal(store.size, 0);
    assert.throws(() => store.get(a));
    const b = store.intern([med(2)]);
    assert.equal(b, a, "id reused");
    assert.deepEqual(store.get(b).attributes, [med(2)]);
    assert.notEqual(store.intern([med(1)]), b, "the freed set is not found by its old key");
  });

  it("sweep frees sets nobody referenced", () => {
    const store = new AttributeStore();
    const kept = store.intern([med(1)]);
    store.ref(kept);
    store.intern([med(2)]);
    store.intern([med(3)]);
    assert.equal(store.sweep(), 2);
    assert.equal(store.size, 1);
    assert.deepEqual(store.get(kept).attributes, [med(1)]);
  });
});
