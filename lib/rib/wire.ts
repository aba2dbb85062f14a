/**
 * The one place where the RIB picks its wire codecs, so that a stand-in is swapped for the real codec by
 * changing one line here.
 */
// STAND-IN until lib/bgp/message/update_builder.ts exports encodePathAttributes (see standin_attributes.ts).
export { encodePathAttributes } from "./standin_attributes.ts";
