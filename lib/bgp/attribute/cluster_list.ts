/** CLUSTER_LIST (10, RFC 4456 §8): IPv4-formatted cluster ids; RFC 7606 §7.10: a non-zero multiple of 4. */
import { bytesToIp } from "../ip.ts";
import type { Attribute } from "../types.ts";
import { ipv4Bytes } from "./simple.ts";
import { expectMultiple } from "./value.ts";

export type ClusterListAttribute = Extract<Attribute, { kind: "cluster-list" }>;

export function decodeClusterList(v: Uint8Array): ClusterListAttribute {
  expectMultiple(v, 4, "CLUSTER_LIST", false);
  const addresses = new Array<string>(v.length / 4);
  for (let k = 0; k < addresses.length; k++) addresses[k] = bytesToIp(v, k * 4, 4);
  return { code: 10, kind: "cluster-list", addresses };
}

export function encodeClusterList(a: ClusterListAttribute): Uint8Array {
  const out = new Uint8Array(a.addresses.length * 4);
  a.addresses.forEach((address, k) => out.set(ipv4Bytes(address, "CLUSTER_LIST"), k * 4));
  return out;
}
