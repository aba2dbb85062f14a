/**
 * RIB benchmark. Adj-RIB-Out: N announces (one shared attribute set, as the batched API form produces) → start of
 * the session → every UPDATE on the wire, in routes/s; and the heap held per route once the table is cached.
 *
 * Adj-RIB-In: N received prefixes (decoded UPDATEs of 1000 NLRI each) applied, in prefixes/s, and heap per route.
 *
 *   deno run -A --v8-flags=--expose-gc scripts/bench_rib.ts [routes]
 *   bun scripts/bench_rib.ts [routes]
 */
import { familyKey, IPV4_UNICAST, IPV6_UNICAST } from "../lib/bgp/family.ts";
import type { Attribute, NextHop, PrefixNlri, Route } from "../lib/bgp/types.ts";
import type { UpdateMessage } from "../lib/bgp/types.ts";
import { AdjRibIn } from "../lib/rib/adj_rib_in.ts";
import { AdjRibOut, type AdjRibOutOptions } from "../lib/rib/adj_rib_out.ts";

const N = Number(process.argv[2] ?? 1_000_000);

async function collect(): Promise<void> {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
    return;
  }
  try {
    const jsc = await import("bun:jsc" as string);
    jsc.fullGC();
  } catch { /* no way to force a collection: figures are noisier */ }
}

const heap = () => process.memoryUsage().heapUsed;

const attributes: Attribute[] = [
  { code: 1, kind: "origin", value: 0 },
  { code: 8, kind: "community", values: [0xfde80001] },
];

/** The i-th /24 of 10.0.0.0/8 onwards (or a /56 of 2001:db8::/32 for IPv6), built without text parsing. */
function nlri(i: number, v6: boolean): PrefixNlri {
  if (v6) {
    return {
      kind: "prefix",
      family: IPV6_UNICAST,
      length: 56,
      bytes: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]),
    };
  }
  return {
    kind: "prefix",
    family: IPV4_UNICAST,
    length: 24,
    bytes: new Uint8Array([10 + (i >>> 16), (i >>> 8) & 0xff, i & 0xff]),
  };
}

interface Result {
  name: string;
  announcePerSec: number;
  wirePerSec: number;
  totalPerSec: number;
  messages: number;
  bytes: number;
  bytesPerRoute: number;
}

async function run(name: string, options: Partial<AdjRibOutOptions>, v6: boolean): Promise<Result> {
  const count = N;
  await collect();
  const before = heap();
  const rib = new AdjRibOut({ localAs: 65000, peerAs: 65000, localAddress: "127.0.0.1", ...options });
  const nextHop: NextHop = { kind: "ip", address: v6 ? "2001:db8::1" : "192.0.2.1" };
  rib.start({
    families: [IPV4_UNICAST, IPV6_UNICAST, familyKey(1, 2)],
    asn4: true,
    addPathSend: new Set(),
    maxMessageSize: 4096,
  });
  rib.next(1 << 20); // the (empty) initial table and its End-of-RIB

  // Routes are built first: their NLRI bytes are the API parser's cost, not the RIB's.
  let routes: Route[] | undefined = Array.from(
    { length: count },
    (_, i) => ({ nlri: nlri(i, v6), nextHop, attributes }),
  );
  const t0 = performance.now();
  for (let i = 0; i < count; i++) rib.announce(routes[i]);
  const t1 = performance.now();
  routes = undefined;
  let messages = 0, bytes = 0;
  for (;;) {
    const batch = rib.next(1 << 20);
    if (batch.length === 0) break;
    messages += batch.length;
    for (const m of batch) bytes += m.length;
  }
  const t2 = performance.now();
  await collect();
  const held = heap() - before;
  if (rib.size !== count) throw new Error(`expected ${count} routes, got ${rib.size}`);
  const perSec = (ms: number) => Math.round(count / (ms / 1000));
  return {
    name: `${name} (${count} routes)`,
    announcePerSec: perSec(t1 - t0),
    wirePerSec: perSec(t2 - t1),
    totalPerSec: perSec(t2 - t0),
    messages,
    bytes,
    bytesPerRoute: Math.round(held / count),
  };
}

async function runIn(): Promise<string> {
  await collect();
  const before = heap(); // before the input, which is dropped before the second measure
  const updates: UpdateMessage[] = [];
  for (let i = 0; i < N; i += 1000) {
    const announced: PrefixNlri[] = [];
    for (let j = i; j < Math.min(N, i + 1000); j++) announced.push(nlri(j, false));
    const attrs: Attribute[] = [...attributes, { code: 3, kind: "next-hop", address: "192.0.2.1" }];
    updates.push({ type: "update", withdrawn: [], attributes: attrs, announced });
  }
  const rib = new AdjRibIn();
  const t0 = performance.now();
  for (const u of updates) rib.apply(u);
  const t1 = performance.now();
  updates.length = 0;
  await collect();
  const held = heap() - before;
  if (rib.size !== N) throw new Error(`expected ${N} routes, got ${rib.size}`);
  return `${`adj-rib-in apply (${N} prefixes)`.padEnd(58)} ${
    Math.round(N / ((t1 - t0) / 1000))
  } prefixes/s  heap ${Math.round(held / N)} B/route`;
}

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";
console.log(`bench_rib on ${runtime}: ${N} routes`);
const results = [
  await run("ipv4 grouped (group-updates)", {}, false),
  await run("ipv4 one per UPDATE (group-updates false)", { groupUpdates: false }, false),
  await run("ipv6 one per UPDATE (ExaBGP mode)", {}, true),
  await run("ipv6 packed (packAllFamilies)", { packAllFamilies: true }, true),
];
for (const r of results) {
  console.log(
    `${r.name.padEnd(58)} announce ${String(r.announcePerSec).padStart(9)}/s  to wire ${
      String(r.wirePerSec).padStart(9)
    }/s  total ${
      String(r.totalPerSec).padStart(9)
    } routes/s  ${r.messages} msgs ${r.bytes} B  heap ${r.bytesPerRoute} B/route`,
  );
}
console.log(await runIn());
