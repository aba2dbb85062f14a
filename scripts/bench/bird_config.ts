/**
 * BIRD 2 configurations for the bench (recipes: /work/shared/reference/peers/README.md §2–3): BIRD is
 * 127.0.0.2, AS 65002, on a port of its own; `strict bind` so it binds only that address, `multihop 1`
 * because BIRD refuses 127/8 neighbors in direct mode, `next hop address` so that next hops are not
 * loopback. Static tables are includes of generated `route` lines, with the attribute mix written as a
 * filter block per route when the scenario needs realistic attributes.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { attributeGroups, type AttributeSet } from "./attribute_mix.ts";
import { prefixText } from "./prefixes.ts";

export const BIRD_ADDRESS = "127.0.0.2";
export const BIRD_AS = 65002;

export interface BirdSession {
  readonly name: string;
  readonly neighbor: string;
  readonly neighborPort: number;
  readonly neighborAs: number;
  readonly holdTime: number;
  /** Wait for the neighbor to connect (the speakers under test connect; the bench peer only listens). */
  readonly passive: boolean;
  readonly export: boolean;
  /** Start disabled (`birdc enable NAME` starts it at a known time). */
  readonly disabled?: boolean;
  /** Seconds from the protocol's start to its first connection attempt (default 1). */
  readonly connectDelay?: number;
}

export interface BirdConfig {
  readonly dir: string;
  readonly port: number;
  readonly sessions: readonly BirdSession[];
  /** A file of `route …;` lines for a static protocol. */
  readonly staticRoutes?: string;
}

function session(c: BirdConfig, s: BirdSession): string {
  return `protocol bgp ${s.name} {
  ${s.disabled ? "disabled;" : ""}
  local ${BIRD_ADDRESS} port ${c.port} as ${BIRD_AS};
  neighbor ${s.neighbor} port ${s.neighborPort} as ${s.neighborAs};
  strict bind yes; multihop 1; hold time ${s.holdTime};${s.passive ? " passive on;" : ""}
  connect delay time ${s.connectDelay ?? 1}; connect retry time 2; error wait time 1, 5;
  ipv4 { import all; export ${s.export ? "all" : "none"}; next hop address 192.0.2.2; };
}
`;
}

export function birdConfig(c: BirdConfig): string {
  // The include statement must sit on its own line (reference recipe).
  const table = c.staticRoutes ? `protocol static s4 {\n  ipv4;\ninclude "${c.staticRoutes}";\n}\n` : "";
  return `router id ${BIRD_ADDRESS};
log "${c.dir}/bird.log" { warning, error, fatal, bug };
protocol device { scan time 60; }
${table}${c.sessions.map((s) => session(c, s)).join("")}`;
}

/**
 * BIRD filter statements giving a static route the attribute set (BIRD prepends its own AS on export, as
 * the raw sender writes it). bgp_path.prepend puts each ASN in front, so the path is built backwards.
 */
function filterBlock(a: AttributeSet): string {
  const parts: string[] = [];
  parts.push(`bgp_origin = ${["ORIGIN_IGP", "ORIGIN_EGP", "ORIGIN_INCOMPLETE"][a.origin]};`);
  for (let i = a.path.length - 1; i >= 0; i--) parts.push(`bgp_path.prepend(${a.path[i]});`);
  if (a.med !== undefined) parts.push(`bgp_med = ${a.med};`);
  for (const c of a.communities) parts.push(`bgp_community.add((${c >>> 16},${c & 0xffff}));`);
  for (const [g, l1, l2] of a.large) parts.push(`bgp_large_community.add((${g},${l1},${l2}));`);
  return parts.join(" ");
}

/**
 * Writes the static routes for prefixes 0 … n - 1: plain (`route P blackhole;`, one shared attribute
 * set) or with the realistic attribute mix of attribute_mix.ts (the raw sender's table, route for route).
 */
export function writeStaticRoutes(file: string, n: number, mix: boolean): void {
  const fd = openSync(file, "w");
  try {
    let buffer = "";
    const add = (line: string) => {
      buffer += line;
      if (buffer.length > 1 << 20) {
        writeSync(fd, buffer);
        buffer = "";
      }
    };
    if (!mix) { for (let i = 0; i < n; i++) add(`route ${prefixText(i)} blackhole;\n`); }
    else {
      for (const g of attributeGroups(n)) {
        const block = filterBlock(g.attributes);
        for (let i = g.first; i < g.first + g.count; i++) {
          add(`route ${prefixText(i)} blackhole { ${block} };\n`);
        }
      }
    }
    writeSync(fd, buffer);
  } finally {
    closeSync(fd);
  }
}

/** The first number of `birdc show route count` ("N of M routes for K networks in table master4"). */
export function routeCount(output: string): number | undefined {
  const m = /(\d+) of \d+ routes/.exec(output);
  return m ? Number(m[1]) : undefined;
}
