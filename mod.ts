/**
 * tsbgp as a library: the speaker, its configuration loaders, the wire codecs and the event encoders.
 * Everything here runs on Deno and on Bun.
 */
export { Speaker, type SpeakerEvent, type SpeakerOptions, NeighborRuntime, type NeighborView } from "./lib/speaker/speaker.ts";
export { buildOpen } from "./lib/speaker/open.ts";
export { loadConfig, parseConfigText, validateConfig } from "./lib/config/load.ts";
export { parseExabgpConfig } from "./lib/config/exabgp.ts";
export { parseYamlConfig } from "./lib/config/yaml.ts";
export { defaultEnvironment, parseEnvironment, type Environment } from "./lib/config/environment.ts";
export { parseRouteLine } from "./lib/config/route.ts";
export type * from "./lib/config/model.ts";
export type * from "./lib/bgp/types.ts";
export * from "./lib/bgp/family.ts";
export { BgpError } from "./lib/bgp/error.ts";
export { decodeMessage, encodeMessage } from "./lib/bgp/message/codec.ts";
export { MessageReader } from "./lib/bgp/message/reader.ts";
export { decodeUpdate, encodeUpdate } from "./lib/bgp/message/update.ts";
export { encodePathAttributes } from "./lib/bgp/message/update_builder.ts";
export { packUpdates, type PackRequest } from "./lib/rib/update_packer.ts";
export { negotiate, type Negotiated } from "./lib/bgp/capability/negotiated.ts";
export { AdjRibIn } from "./lib/rib/adj_rib_in.ts";
export { AdjRibOut } from "./lib/rib/adj_rib_out.ts";
export { JsonEncoder } from "./lib/api/json.ts";
export { TextEventEncoder } from "./lib/api/text.ts";
export { runtime } from "./lib/runtime/mod.ts";
export { VERSION } from "./lib/version.ts";
