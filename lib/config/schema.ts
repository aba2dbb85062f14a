/**
 * The valibot schema of tsbgp's native YAML configuration. Field names are the model's (model.ts); every
 * object is strict, so a misspelt field is an error that names it. Routes are strings in the route grammar
 * of route.ts ("10.0.0.0/24 next-hop 1.2.3.4 med 100"), parsed after the schema has passed.
 *
 *   processes:
 *     - name: announce
 *       run: ./announce.sh --fast          # a shell-like string, or a list of arguments
 *       encoder: json                      # json (default) | text
 *       respawn: true
 *   neighbors:
 *     - peerAddress: 127.0.0.1
 *       localAs: 65000
 *       peerAs: 65001
 *       routerId: 192.0.2.1
 *       families: [ipv4 unicast, ipv6 unicast]
 *       capability: { routeRefresh: true, gracefulRestart: 120, addPath: send/receive }
 *       api: [{ processes: [announce], receive: [parsed, update], neighborChanges: true }]
 *       routes: ["10.0.0.0/24 next-hop 192.0.2.1 med 100"]
 */
import * as v from "valibot";
import { isIP, isIPv4 } from "../bgp/ip.ts";
import { parseFamily } from "../bgp/family.ts";
import { ADD_PATH_MODES, SUBSCRIPTION_NAMES } from "./model.ts";

const asn = v.pipe(
  v.number("expects an AS number 0..4294967295"),
  v.integer("expects an AS number 0..4294967295"),
  v.minValue(0, (i) => `expects an AS number 0..4294967295, got ${i.input}`),
  v.maxValue(0xffffffff, (i) => `expects an AS number 0..4294967295, got ${i.input}`),
);
const port = v.pipe(
  v.number("expects a port number"),
  v.integer("expects a port number"),
  v.minValue(0),
  v.maxValue(65535),
);
const ttl = v.pipe(v.number("expects a TTL"), v.integer("expects a TTL"), v.minValue(1), v.maxValue(255));
const ipAddress = v.pipe(
  v.string("expects an IP address"),
  v.check(isIP, (i) => `expects an IP address, got '${i.input}'`),
);
const ipv4Address = v.pipe(
  v.string("expects an IPv4 address"),
  v.check(isIPv4, (i) => `expects an IPv4 address, got '${i.input}'`),
);
const familyName = v.pipe(
  v.string("expects a family such as 'ipv4 unicast'"),
  v.check((s) => {
    const [afi, safi, extra] = s.trim().split(/\s+/);
    return extra === undefined && safi !== undefined && parseFamily(afi, safi) !== undefined;
  }, (i) => `expects a family such as 'ipv4 unicast', got '${i.input}'`),
);
/** `receive:` / `send:` of an api entry: a list of message kinds. */
const subscriptionList = v.optional(
  v.array(v.picklist(SUBSCRIPTION_NAMES, `expects one of ${SUBSCRIPTION_NAMES.join(", ")}`)),
  [],
);

export const ProcessSchema = v.strictObject({
  name: v.pipe(v.string("expects a process name"), v.minLength(1, "expects a non-empty process name")),
  run: v.union(
    [v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.string()), v.minLength(1))],
    "expects a command line or a list of arguments",
  ),
  encoder: v.optional(v.picklist(["json", "text"], "expects json or text"), "json"),
  respawn: v.optional(v.boolean("expects true or false"), true),
});

export const CapabilitySchema = v.strictObject({
  asn4: v.optional(v.boolean("expects true or false")),
  routeRefresh: v.optional(v.boolean("expects true or false")),
  /** true = the hold-time (as `graceful-restart;`), a number = the restart time, false = off. */
  gracefulRestart: v.optional(
    v.union(
      [v.boolean(), v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4095))],
      "expects true, false or a restart time 0..4095",
    ),
  ),
  addPath: v.optional(
    v.picklist(Object.keys(ADD_PATH_MODES), "expects disable, send, receive or send/receive"),
  ),
  multiSession: v.optional(v.boolean("expects true or false")),
  operational: v.optional(v.boolean("expects true or false")),
  extendedMessage: v.optional(v.boolean("expects true or false")),
  aigp: v.optional(v.boolean("expects true or false")),
  nexthop: v.optional(v.boolean("expects true or false")),
  softwareVersion: v.optional(v.boolean("expects true or false")),
});

export const ApiSchema = v.strictObject({
  name: v.optional(v.string()),
  processes: v.optional(v.array(v.string("expects a process name")), []),
  processesMatch: v.optional(
    v.array(v.pipe(
      v.string(),
      v.check((s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      }, (i) => `expects a regular expression, got '${i.input}'`),
    )),
    [],
  ),
  neighborChanges: v.optional(v.boolean("expects true or false"), false),
  negotiated: v.optional(v.boolean("expects true or false"), false),
  fsm: v.optional(v.boolean("expects true or false"), false),
  signal: v.optional(v.boolean("expects true or false"), false),
  receive: subscriptionList,
  send: subscriptionList,
});

export const NeighborSchema = v.strictObject({
  peerAddress: ipAddress,
  name: v.optional(v.string()),
  description: v.optional(v.string("expects a text")),
  localAddress: v.optional(v.union([v.literal("auto"), ipAddress], "expects an IP address or 'auto'")),
  localAs: asn,
  peerAs: v.union([v.literal("auto"), asn], "expects an AS number 0..4294967295 or 'auto'"),
  routerId: v.optional(ipv4Address),
  // RFC 4271 §4.2: 0 or at least 3 seconds.
  holdTime: v.optional(
    v.pipe(
      v.number("expects a number 0 or 3..65535"),
      v.integer("expects a number 0 or 3..65535"),
      v.check(
        (n) => n === 0 || (n >= 3 && n <= 65535),
        (i) => `expects a number 0 or 3..65535, got ${i.input}`,
      ),
    ),
  ),
  passive: v.optional(v.boolean("expects true or false")),
  listen: v.optional(port),
  connect: v.optional(port),
  groupUpdates: v.optional(v.boolean("expects true or false")),
  adjRibOut: v.optional(v.boolean("expects true or false")),
  adjRibIn: v.optional(v.boolean("expects true or false")),
  manualEor: v.optional(v.boolean("expects true or false")),
  autoFlush: v.optional(v.boolean("expects true or false")),
  rateLimit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  hostName: v.optional(v.string()),
  domainName: v.optional(v.string()),
  md5Password: v.optional(v.string()),
  md5Base64: v.optional(v.union([v.boolean(), v.literal("auto")], "expects true, false or 'auto'")),
  md5Ip: v.optional(ipAddress),
  outgoingTtl: v.optional(ttl),
  incomingTtl: v.optional(ttl),
  /** Each entry in the ExaBGP-syntax grammar: "[afi safi] limit [warning-only|teardown] [restart seconds]". */
  maximumPrefix: v.optional(v.array(v.string("expects a text like '1000 teardown restart 30'"))),
  sourceInterface: v.optional(v.string()),
  families: v.optional(v.array(familyName)),
  addPathFamilies: v.optional(v.array(familyName)),
  /** "ipv4 unicast ipv6": the family, then the AFI of its next hop (RFC 8950). */
  nexthopFamilies: v.optional(v.array(v.pipe(
    v.string(),
    v.check((s) => {
      const [afi, safi, nh, extra] = s.trim().split(/\s+/);
      return extra === undefined && parseFamily(afi, safi ?? "") !== undefined &&
        (nh === "ipv4" || nh === "ipv6");
    }, (i) => `expects 'afi safi ipv4|ipv6', got '${i.input}'`),
  ))),
  capability: v.optional(CapabilitySchema),
  api: v.optional(v.array(ApiSchema)),
  routes: v.optional(
    v.array(v.string("expects a route in the route grammar, e.g. '10.0.0.0/24 next-hop 192.0.2.1'")),
  ),
});

export const ConfigSchema = v.strictObject({
  processes: v.optional(v.array(ProcessSchema), []),
  neighbors: v.optional(v.array(NeighborSchema), []),
});

export type YamlConfig = v.InferOutput<typeof ConfigSchema>;
export type YamlNeighbor = v.InferOutput<typeof NeighborSchema>;
export type YamlProcess = v.InferOutput<typeof ProcessSchema>;
