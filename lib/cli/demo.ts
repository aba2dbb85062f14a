/**
 * `tsbgp demo`: the README's first command. Two speakers in this process, on 127.0.0.1 and 127.0.0.2,
 * configured from built-in ExaBGP-syntax text: they open a session, each announces its routes, and every
 * UPDATE received is printed as the ExaBGP 5.0 JSON event an API helper would read. Ends by itself.
 */
import { JsonEncoder, type NeighborContext } from "../api/json.ts";
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

async function freePort(): Promise<number> {
  const l = await runtime.net.listen({ host: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

export async function runDemo(): Promise<number> {
  setupLogging({ level: "warning" });
  const port = await freePort();
  const env = { ...defaultEnvironment(), tcp: { ...defaultEnvironment().tcp, port, bind: [] } };
  const encoder = new JsonEncoder();
  const contexts = new Map<string, NeighborContext>();
  let eors = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const print = (name: string) => (e: SpeakerEvent) => {
    const key = `${name}/${e.neighbor.peerAddress}`;
    let ctx = contexts.get(key);
    if (!ctx) contexts.set(key, ctx = { ...e.neighbor, counter: 0 });
    Object.assign(ctx, { peerAs: e.neighbor.peerAs, localAddress: e.neighbor.localAddress });
    if (e.type === "state") {
      console.log(`# ${name}: session with ${e.neighbor.peerAddress} ${e.state}${e.reason ? ` (${e.reason})` : ""}`);
      const line = e.state === "up" ? encoder.up(ctx) : e.state === "down" ? encoder.down(ctx, e.reason ?? "") : undefined;
      if (line) console.log(line);
    } else if (e.type === "message" && e.direction === "receive" && e.message.type === "update") {
      const line = encoder.update(ctx, "receive", e.message);
      if (line) console.log(line);
      const isEor = e.message.announced.length === 0 && e.message.withdrawn.length === 0 &&
        e.message.attributes.every((a) => a.kind === "mp-unreach" && a.nlri.length === 0);
      if (isEor && ++eors === 4) done(); // End-of-RIB for IPv4 and IPv6, in both directions
    }
  };
  const alpha = new Speaker({ config: parseExabgpConfig(ALPHA(port), "demo:alpha"), env, net: runtime.net, onEvent: print("alpha") });
  const beta = new Speaker({ config: parseExabgpConfig(BETA(port), "demo:beta"), env, net: runtime.net, onEvent: print("beta") });
  console.log(`# tsbgp demo: alpha (AS65001, 127.0.0.1:${port}) and beta (AS65002, 127.0.0.2) on loopback`);
  console.log("# each line below is an ExaBGP 5.0 JSON event, as an API helper process receives it\n");
  await alpha.start();
  await beta.start();
  const timeout = new Promise<string>((r) => setTimeout(() => r("timeout"), 15000));
  const outcome = await Promise.race([finished.then(() => "ok"), timeout]);
  const received = (s: Speaker) => s.neighbors.reduce((n, nb) => n + nb.ribIn.size, 0);
  console.log(`\n# alpha holds ${received(alpha)} routes from beta; beta holds ${received(beta)} routes from alpha`);
  await beta.stop();
  await alpha.stop();
  if (outcome !== "ok") {
    console.log("# the demo did not complete within 15 s");
    return 1;
  }
  console.log(`# next steps:
#   tsbgp validate my.conf            check an ExaBGP-syntax (or .yaml) configuration
#   tsbgp my.conf                     run it (exabgp_tcp_port, exabgp_tcp_bind, … are honoured)
#   tsbgp decode FFFF…                print a BGP message as ExaBGP JSON
#   see README.md for the configuration, the API and the binary`);
  return 0;
}
