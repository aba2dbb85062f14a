/**
 * Graceful restart, restarting side: an optional on-disk copy of each neighbor's Adj-RIB-Out (environment
 * `exabgp.rib.persist FILE`), so that a restarted tsbgp announces again at once what its helpers had
 * announced, in the initial table before its End-of-RIB, instead of letting the peer flush those routes
 * (RFC 4724 §4.2: the peer drops stale routes at our End-of-RIB) until the helpers announce them again.
 * ExaBGP keeps no such copy (exabgp-behaviour §5.2, its issue #328).
 *
 * What is saved: per neighbor (peer address | local address), the routes of its Adj-RIB-Out whose NLRI no
 * configured route has; the configuration brings those back itself, and wins over the file. When: a few
 * milliseconds after any change (changes coalesce), written to FILE.tmp and renamed over FILE, so a crash
 * leaves the previous or the new copy, never half of one; and once more when the speaker stops. Routes are
 * JSON, grouped by next hop and attributes, with Uint8Array as {"$b": hex} and bigint as {"$n": decimal}.
 */
import { existsSync, readFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import type { Attribute, NextHop, Nlri, Route } from "../bgp/types.ts";
import { getLogger } from "../log.ts";
import { AdjRibOut } from "../rib/adj_rib_out.ts";
import { routeKey } from "../rib/nlri_key.ts";
import { yieldToLoop } from "../runtime/timers.ts";
import type { FamilyKey } from "../bgp/family.ts";

const log = getLogger("rib");

/** Changes within this window are saved together. */
const SAVE_DELAY_MS = 50;
const FORMAT = 1;

interface FileShape {
  readonly format: number;
  readonly saved: string;
  readonly neighbors: Record<string, unknown[]>;
}

/** NLRI encoded between two turns of the event loop. */
const SLICE = 2000;

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function replacer(_key: string, v: unknown): unknown {
  if (v instanceof Uint8Array) return { $b: hex(v) };
  if (typeof v === "bigint") return { $n: v.toString() };
  return v;
}

function reviver(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$b === "string" && Object.keys(o).length === 1) return unhex(o.$b);
    if (typeof o.$n === "string" && Object.keys(o).length === 1) return BigInt(o.$n);
  }
  return v;
}

/** Routes sharing one attribute set (the RIB hands out one attributes array per interned set). */
interface Group {
  readonly nextHop: NextHop;
  readonly attributes: readonly Attribute[];
  readonly nlri: Nlri[];
}

function groupRoutes(routes: Iterable<Route>): Group[] {
  const groups = new Map<readonly Attribute[], Map<NextHop, Group>>();
  const out: Group[] = [];
  for (const r of routes) {
    let byHop = groups.get(r.attributes);
    if (!byHop) groups.set(r.attributes, byHop = new Map());
    let g = byHop.get(r.nextHop);
    if (!g) {
      byHop.set(r.nextHop, g = { nextHop: r.nextHop, attributes: r.attributes, nlri: [] });
      out.push(g);
    }
    g.nlri.push(r.nlri);
  }
  return out;
}

const json = (v: unknown) => JSON.stringify(v, replacer);

/**
 * The file's text for these routes, by neighbor key: per neighbor, groups of NLRI sharing next hop and
 * attributes. Built in slices of SLICE NLRI with a turn of the event loop between them, so that saving a big
 * RIB does not hold up keepalives.
 */
export async function encodeRibFile(
  neighbors: Iterable<readonly [string, Iterable<Route>]>,
): Promise<string> {
  const parts = [`{"format":${FORMAT},"saved":${json(new Date().toISOString())},"neighbors":{`];
  let firstNeighbor = true;
  for (const [key, routes] of neighbors) {
    const groups = groupRoutes(routes);
    if (groups.length === 0) continue;
    parts.push(`${firstNeighbor ? "" : ","}${json(key)}:[`);
    firstNeighbor = false;
    for (const [i, g] of groups.entries()) {
      parts.push(`${i ? "," : ""}{"nextHop":${json(g.nextHop)},"attributes":${json(g.attributes)},"nlri":[`);
      for (let j = 0; j < g.nlri.length; j += SLICE) {
        parts.push((j ? "," : "") + g.nlri.slice(j, j + SLICE).map(json).join(","));
        await yieldToLoop();
      }
      parts.push("]}");
    }
    parts.push("]");
  }
  parts.push("}}");
  return parts.join("");
}

/** Routes by neighbor key; throws Error saying what is wrong with the text. */
export function decodeRibFile(text: string): Map<string, Route[]> {
  const data = JSON.parse(text, reviver) as Partial<FileShape>;
  if (data?.format !== FORMAT || typeof data.neighbors !== "object" || data.neighbors === null) {
    throw new Error(`not a tsbgp RIB file of format ${FORMAT}`);
  }
  const out = new Map<string, Route[]>();
  for (const [key, groups] of Object.entries(data.neighbors)) {
    if (!Array.isArray(groups)) throw new Error(`neighbor ${key}: expected a list of route groups`);
    const routes: Route[] = [];
    for (const g of groups as Group[]) {
      if (!Array.isArray(g?.nlri) || !Array.isArray(g.attributes) || typeof g.nextHop !== "object") {
        throw new Error(`neighbor ${key}: a route group needs nextHop, attributes and nlri`);
      }
      for (const nlri of g.nlri) routes.push({ nlri, nextHop: g.nextHop, attributes: g.attributes });
    }
    out.set(key, routes);
  }
  return out;
}

/** An Adj-RIB-Out that reports every change of its routes (to schedule a save). */
export class PersistedAdjRibOut extends AdjRibOut {
  constructor(options: ConstructorParameters<typeof AdjRibOut>[0], private readonly changed: () => void) {
    super(options);
  }
  override announce(route: Route): boolean {
    const r = super.announce(route);
    this.changed();
    return r;
  }
  override withdraw(target: Nlri | Route): boolean {
    const r = super.withdraw(target);
    this.changed();
    return r;
  }
  override clear(families?: Iterable<FamilyKey>): void {
    super.clear(families);
    this.changed();
  }
  override forget(): void {
    super.forget();
    this.changed();
  }
  override announceWatchdog(name: string): void {
    super.announceWatchdog(name);
    this.changed();
  }
  override withdrawWatchdog(name: string): void {
    super.withdrawWatchdog(name);
    this.changed();
  }
}

/** What the file needs from a neighbor. */
export interface PersistedNeighbor {
  readonly key: string;
  readonly ribOut: AdjRibOut;
  /** The configured routes (never saved; they come back from the configuration). */
  readonly configured: readonly Route[];
}

export class RibFile {
  readonly path: string;
  readonly #neighbors: () => Iterable<PersistedNeighbor>;
  /** Read at start, handed out once per neighbor (a reload's new neighbor starts from its configuration). */
  #loaded = new Map<string, Route[]>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();

  constructor(path: string, neighbors: () => Iterable<PersistedNeighbor>) {
    this.path = path;
    this.#neighbors = neighbors;
  }

  /** Reads the file (none yet is fine). A file that cannot be read is reported and ignored. */
  load(): void {
    if (!existsSync(this.path)) return;
    try {
      this.#loaded = decodeRibFile(readFileSync(this.path, "utf8"));
      let n = 0;
      for (const r of this.#loaded.values()) n += r.length;
      log.info(
        `rib.persist ${this.path}: ${n} route(s) of ${this.#loaded.size} neighbor(s) to announce again`,
      );
    } catch (e) {
      log.error(`rib.persist ${this.path}: ignored, ${(e as Error).message}`);
    }
  }

  /** Announces the saved routes of `n` into its Adj-RIB-Out (before its first session: no UPDATE yet). */
  restore(n: PersistedNeighbor): void {
    const routes = this.#loaded.get(n.key);
    this.#loaded.delete(n.key);
    if (!routes) return;
    const configured = new Set(n.configured.map((r) => routeKey(r.nlri)));
    for (const r of routes) if (!configured.has(routeKey(r.nlri))) n.ribOut.announce(r);
  }

  /** Some Adj-RIB-Out changed: save soon. */
  changed(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#saving = this.#saving.then(() => this.#save());
    }, SAVE_DELAY_MS);
  }

  /** Saves now (the speaker stops); resolves when written. */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#saving = this.#saving.then(() => this.#save());
    await this.#saving;
  }

  async #save(): Promise<void> {
    const entries: [string, Route[]][] = [];
    // Read in slices too; a change meanwhile schedules another save, which gets it.
    for (const n of [...this.#neighbors()]) {
      const configured = new Set(n.configured.map((r) => routeKey(r.nlri)));
      const kept: Route[] = [];
      let i = 0;
      for (const r of n.ribOut.routes()) {
        if (configured.size === 0 || !configured.has(routeKey(r.nlri))) kept.push(r);
        if (++i % SLICE === 0) await yieldToLoop();
      }
      entries.push([n.key, kept]);
    }
    const tmp = `${this.path}.tmp`;
    try {
      await writeFile(tmp, await encodeRibFile(entries), { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (e) {
      log.error(`rib.persist ${this.path}: cannot save: ${(e as Error).message}`);
    }
  }
}
