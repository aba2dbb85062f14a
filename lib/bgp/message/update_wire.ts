/**
 * The path attributes of a received UPDATE as bytes (RFC 4271 §4.3: withdrawn routes length, withdrawn
 * routes, total path attribute length, path attributes), without MP_REACH_NLRI and MP_UNREACH_NLRI
 * (RFC 4760 §3–4), whose NLRI make every message different. What is left is what the routes of the message
 * share: the Adj-RIB-In names an attribute set by these bytes instead of encoding the decoded attributes
 * again. Pure; the message was decoded already, so a layout that does not add up just gives no answer.
 */
import { AttrCode, AttrFlag } from "../types.ts";

/**
 * The attributes of UPDATE `body` other than MP_REACH/MP_UNREACH, as views of `body` in wire order;
 * undefined when the lengths do not add up (the decoder has dealt with such a message already).
 */
export function sharedAttributeBytes(body: Uint8Array): Uint8Array[] | undefined {
  if (body.length < 4) return undefined;
  const withdrawn = (body[0] << 8) | body[1];
  const at = 2 + withdrawn;
  if (at + 2 > body.length) return undefined;
  const end = at + 2 + ((body[at] << 8) | body[at + 1]);
  if (end > body.length) return undefined;
  const parts: Uint8Array[] = [];
  let i = at + 2;
  let from = i;
  while (i < end) {
    if (i + 3 > end) return undefined;
    const extended = (body[i] & AttrFlag.EXTENDED) !== 0;
    if (extended && i + 4 > end) return undefined;
    const code = body[i + 1];
    const next = i + (extended ? 4 + ((body[i + 2] << 8) | body[i + 3]) : 3 + body[i + 2]);
    if (next > end) return undefined;
    // Runs of kept attributes stay one view; an MP attribute ends the run.
    if (code === AttrCode.MP_REACH_NLRI || code === AttrCode.MP_UNREACH_NLRI) {
      if (i > from) parts.push(body.subarray(from, i));
      from = next;
    }
    i = next;
  }
  if (end > from) parts.push(body.subarray(from, end));
  return parts;
}
