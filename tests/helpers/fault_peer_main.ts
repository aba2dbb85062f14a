/**
 * A FaultPeer in its own process, for the tests that kill the peer (SIGKILL by PID). Run with the test's
 * runtime: `fault_peer_main.ts HOST PORT ASN HOLD HALF_AFTER`. It prints one JSON line per step on stdout:
 * {"event":"listening"}, {"event":"established"}, then, once HALF_AFTER prefixes arrived, it stops reading,
 * writes two whole UPDATEs and the first half of a third, and prints {"event":"half","prefixes":N}. It then
 * waits to be killed (and exits by itself after 120 s so that a broken test leaves nothing behind).
 */
import process from "node:process";
import { FaultPeer, peerUpdate } from "./fault_peer.ts";

const [host, port, asn, hold, halfAfter] = process.argv.slice(2);
const say = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + "\n");

const peer = await FaultPeer.listen({ host, port: Number(port), asn: Number(asn), holdTime: Number(hold) });
say({ event: "listening" });
await peer.until(() => peer.established, 30_000);
say({ event: "established" });
await peer.until(() => peer.announced >= Number(halfAfter), 30_000);
const link = peer.link!;
link.pause();
const whole = [peerUpdate(Number(asn), [192, 0, 2]), peerUpdate(Number(asn), [198, 51, 100])];
const cut = peerUpdate(Number(asn), [203, 0, 113]);
for (const m of whole) link.write(m);
link.write(cut.subarray(0, cut.length >> 1));
say({ event: "half", prefixes: peer.announced });
setTimeout(() => process.exit(3), 120_000);
