/**
 * `tsbgp demo`: the README's first command. Two speakers in this process, on 127.0.0.1 and 127.0.0.2,
 * configured from built-in ExaBGP-syntax text (no file needed): they open a session, each announces its
 * routes, and every event is printed twice — a `#` line in ExaBGP's text form for the reader, then the
 * ExaBGP 5.0 JSON event an API helper would read. Ends by itself once both sides have sent End-of-RIB for
 * both families (at most 15 s; Ctrl-C ends it sooner), then points at the next steps.
 */
import { JsonEncoder, type NeighborContext } from "../api/json.ts";
import { TextEventEncoder } from "../api/text.ts";
import type { UpdateMessage } from "../bgp/types.ts";
import { defaultEnvironment } from "../config/environment.ts";
import { parseExabgpConfig } from "../config/exabgp.ts";
import { setupLogging } from "../log.ts";
import { runtime } from "../runtime/mod.ts";
import { Speaker, type SpeakerEvent } from "../speaker/speaker.ts";

const ALPHA = (port: number) => `
neighbor 127.0.0.2 {
  description "beta, which connects to us";
  router-id 192.0.2.1;
  local-address 127.0.0.1;
  local-as 65001;
  peer-as 65002;
  listen ${port};
  passive;
  family { ipv4 unicast; ipv6 unicast; }
  static {
    route 198.51.100.0/24 next-hop 192.0.2.1 community [ 65001:100 ] med 10;
    route 203.0.113.0/25 next-hop 192.0.2.1 as-path [ 64500 ] large-community [ 65001:1:1 ];
  }
}`;

const BETA = (port: number) => `
neighbor 127.0.0.1 {
  description "alpha, listening on port ${port}";
  router-id 192.0.2.2;
  local-address 127.0.0.2;
  local-as 65002;
  peer-as 65001;
  connect ${port};
  family { ipv4 unicast; ipv6 unicast; }
  announce {
    ipv4 { unicast 192.0.2.128/25 next-hop self origin egp; }
    ipv6 { unicast 2001:db8:beef::/48 next-hop 2001:db8::2 community [ no-export ]; }
  }
}`;

/** Who is at each address, to say "beta received from alpha". */
const NAMES: Readonly<Record<string, string>> = { "127.0.0.1": "alpha", "127.0.0.2": "beta" };

/** End-of-RIB for IPv4 and IPv6 unicast, in both directions (RFC 4724 §2). */
const EXPECTED_EORS = 4;
const TIMEOUT_MS = 15_000;

const NEXT_STEPS =
  `# next steps (tsbgp = ./dist/tsbgp after 'npm run build', or 'bun cli.ts' / 'deno run -A cli.ts'):
#   tsbgp validate examples/anycast.conf   a real configuration (ExaBGP syntax, or .yaml): copy it, set your
#                                          router's address and AS, check it
#   tsbgp my.conf                          run it (port 179 needs root: exabgp_tcp_port=1179 to try it out)
#   tsbgp healthcheck --help               announce a service's address while its check passes, from a
#                                          'process' block, as ExaBGP's healthcheck does
#   tsbgp cli show neighbor summary        ask the running speaker, through its control socket
#   tsbgp decode FFFF…                     print a BGP message as ExaBGP JSON
#   README.md                              the configuration, the API, the binary`;

async function freePort(): Promise<number> {
  const l = await runtime.net.listen({ host: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

/** An UPDATE with no route and nothing but an empty MP_UNREACH (or nothing at all) is End-of-RIB. */
function isEndOfRib(m: UpdateMessage): boolean {
  return m.announced.length === 0 && m.withdrawn.length === 0 &&
    m.attributes.every((a) => a.kind === "mp-unreach" && a.nlri.length === 0);
}

/** The route lines of ExaBGP's text event, without the `neighbor X receive update` prefix. */
function routeLines(text: string, prefix: string): string[] {
  return text.split("\n").filter((l) => l.startsWith(prefix) && !/ (start|end)$/.test(l))
    .map((l) => l.slice(prefix.length + 1));
}

/** Prints one speaker's events; tells the demo of each End-of-RIB, so it knows when routes have flowed. */
class EventPrinter {
  readonly #json = new JsonEncoder();
  readonly #text = new TextEventEncoder();
  readonly #contexts = new Map<string, NeighborContext>();

  constructor(readonly name: string, readonly onEndOfRib: () => void) {}

  readonly print = (e: SpeakerEvent): void => {
    const ctx = this.#context(e);
    if (e.type === "state") this.#state(ctx, e.state, e.reason);
    else if (e.type === "message" && e.direction === "receive" && e.message.type === "update") {
      this.#update(ctx, e.message);
    }
  };

  #context(e: SpeakerEvent): NeighborContext {
    let ctx = this.#contexts.get(e.neighbor.peerAddress);
    if (!ctx) this.#contexts.set(e.neighbor.peerAddress, ctx = { ...e.neighbor, counter: 0 });
    return Object.assign(ctx, { peerAs: e.neighbor.peerAs, localAddress: e.neighbor.localAddress });
  }

  #state(ctx: NeighborContext, state: "connected" | "up" | "down", reason: string | undefined): void {
    const other = NAMES[ctx.peerAddress] ?? ctx.peerAddress;
    const what = { connected: "TCP connection", up: "session Established", down: "session down" }[state];
    console.log(`# ${this.name}: ${what} with ${other} (${ctx.peerAddress})${reason ? `: ${reason}` : ""}`);
    // Encoders count the events they write (the JSON "counter"): encode only this one.
    const encode = {
      connected: () => undefined,
      up: () => this.#json.up(ctx),
      down: () => this.#json.down(ctx, reason ?? ""),
    }[state];
    const line = encode();
    if (line) console.log(line);
  }

  #update(ctx: NeighborContext, m: UpdateMessage): void {
    const from = NAMES[ctx.peerAddress] ?? ctx.peerAddress;
    const prefix = `neighbor ${ctx.peerAddress} receive update`;
    for (const l of routeLines(this.#text.update(ctx, "receive", m), prefix)) {
      console.log(`# ${this.name} received from ${from}: ${l}`);
    }
    const line = this.#json.update(ctx, "receive", m);
    if (line) console.log(line);
    if (isEndOfRib(m)) this.onEndOfRib();
  }
}

export async function runDemo(): Promise<number> {
  setupLogging({ level: "warning" });
  const port = await freePort();
  const env = { ...defaultEnvironment(), tcp: { ...defaultEnvironment().tcp, port, bind: [] } };
  let eors = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const onEndOfRib = () => void (++eors === EXPECTED_EORS && done());
  const speaker = (name: string, text: string) =>
    new Speaker({
      config: parseExabgpConfig(text, `demo:${name}`),
      env,
      net: runtime.net,
      onEvent: new EventPrinter(name, onEndOfRib).print,
    });
  const alpha = speaker("alpha", ALPHA(port));
  const beta = speaker("beta", BETA(port));

  console.log(`# tsbgp demo: two BGP speakers in this process, on loopback, from built-in configurations
#   alpha  AS65001  127.0.0.1, listening on port ${port}, 2 IPv4 routes
#   beta   AS65002  127.0.0.2, connects to alpha, 1 IPv4 and 1 IPv6 route
# '#' lines say what happened (routes in ExaBGP's text form); the others are the ExaBGP 5.0 JSON events
# an API helper process would read.
`);
  const started = performance.now();
  await alpha.start();
  await beta.start();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), TIMEOUT_MS)));
  const outcome = await Promise.race([finished.then(() => "ok" as const), timeout]);
  clearTimeout(timer);
  const elapsed = Math.round(performance.now() - started);
  const received = (s: Speaker) => s.neighbors.reduce((n, nb) => n + nb.ribIn.size, 0);
  const headline = outcome === "ok"
    ? `routes exchanged in ${elapsed} ms`
    : `not complete after ${TIMEOUT_MS / 1000} s`;
  console.log(
    `\n# ${headline}: alpha holds ${received(alpha)} routes from beta, beta holds ${
      received(beta)
    } routes from alpha`,
  );
  await beta.stop();
  await alpha.stop();
  console.log(`\n${NEXT_STEPS}`);
  return outcome === "ok" ? 0 : 1;
}
