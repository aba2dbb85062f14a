/**
 * The raw sender's table as bytes: one or more UPDATE messages per attribute group of attribute_mix.ts
 * (RFC 4271 §4.3, at most 4096 bytes each), then the IPv4 unicast End-of-RIB (RFC 4724 §2), concatenated
 * into socket-sized chunks. Built with the project's codecs before the session starts, so the send costs
 * only the socket.
 */
import { IPV4_UNICAST } from "../../lib/bgp/family.ts";
import { encodePathAttributes } from "../../lib/bgp/message/update_builder.ts";
import { packUpdates } from "../../lib/rib/update_packer.ts";
import { type Attribute, type CodecContext, DEFAULT_CONTEXT, type PrefixNlri } from "../../lib/bgp/types.ts";
import { attributeGroups, type AttributeSet } from "./attribute_mix.ts";
import { prefixAddress, prefixLength } from "./prefixes.ts";

export interface Table {
  readonly chunks: Uint8Array[];
  readonly updates: number;
  readonly bytes: number;
}

const CHUNK = 1 << 16;
const EOR = new Uint8Array([...new Uint8Array(16).fill(0xff), 0, 23, 2, 0, 0, 0, 0]);

function pathAttributes(set: AttributeSet, senderAs: number, nextHop: string): Attribute[] {
  const attrs: Attribute[] = [
    { code: 1, kind: "origin", value: set.origin },
    { code: 2, kind: "as-path", segments: [{ type: 2, asns: [senderAs, ...set.path] }] },
    { code: 3, kind: "next-hop", address: nextHop },
  ];
  if (set.med !== undefined) attrs.push({ code: 4, kind: "med", value: set.med });
  if (set.communities.length > 0) attrs.push({ code: 8, kind: "community", values: set.communities });
  if (set.large.length > 0) attrs.push({ code: 32, kind: "large-community", values: set.large });
  return attrs;
}

function nlri(i: number): PrefixNlri {
  const a = prefixAddress(i);
  const length = prefixLength(i);
  const bytes = length > 24
    ? new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, 0])
    : new Uint8Array([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255]);
  return { kind: "prefix", family: IPV4_UNICAST, length, bytes };
}

/** The table of `n` prefixes with the realistic attribute mix, as sent by an eBGP peer of AS `senderAs`. */
export function buildTable(n: number, senderAs: number, nextHop: string): Table {
  const ctx: CodecContext = DEFAULT_CONTEXT; // 4-octet AS both ways, no ADD-PATH, 4096-byte messages
  const chunks: Uint8Array[] = [];
  let chunk = new Uint8Array(CHUNK);
  let used = 0;
  let updates = 0;
  let bytes = 0;
  const append = (message: Uint8Array) => {
    if (used + message.length > CHUNK) {
      chunks.push(chunk.subarray(0, used));
      chunk = new Uint8Array(CHUNK);
      used = 0;
    }
    chunk.set(message, used);
    used += message.length;
    bytes += message.length;
  };
  for (const group of attributeGroups(n)) {
    const announce: PrefixNlri[] = [];
    for (let i = group.first; i < group.first + group.count; i++) announce.push(nlri(i));
    const attributes = encodePathAttributes(pathAttributes(group.attributes, senderAs, nextHop), ctx);
    for (
      const m of packUpdates({
        family: IPV4_UNICAST,
        attributes,
        nextHops: [nextHop],
        announce,
        withdraw: [],
        ctx,
      })
    ) {
      append(m);
      updates++;
    }
  }
  append(EOR);
  chunks.push(chunk.subarray(0, used));
  return { chunks, updates, bytes };
}
