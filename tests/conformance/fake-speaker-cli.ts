/**
 * A fake speaker executable for the runner's tests, started the way the runner starts tsbgp: configuration
 * paths as arguments, ExaBGP's environment. It finds the test whose .ci names these configurations, starts
 * the configuration's `./run/*.run` helpers (relative to the configuration's folder, as ExaBGP does), acks
 * every command they write, and, once each helper wrote at least one command, connects to the peer on
 * 127.0.0.1:$exabgp_tcp_port and sends the test's expected messages in file order.
 * FAKE_SPEAKER_MODE=wrong sends a wrong first UPDATE instead.
 */
import * as net from "node:net";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { readMsgFile } from "../../scripts/conformance/msg.ts";
import { defaultDataDir, listTests, runScripts } from "../../scripts/conformance/suite.ts";
import { fromHex } from "../../scripts/conformance/wire.ts";
import { SPEAKER_OPEN } from "./fake-speaker.ts";

const configs = process.argv.slice(2);
const names = configs.map((c) => basename(c));
const test = (await listTests(defaultDataDir())).find((t) => t.configs.join(" ") === names.join(" "));
if (!test) {
  console.error(`fake speaker: no test for ${names.join(" ")}`);
  process.exit(3);
}
const msg = await readMsgFile(test.msgPath);

// Start the helpers and wait for one command from each.
const helpers = runScripts(readFileSync(configs[0], "utf8"));
await Promise.all(helpers.map((script) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(join(dirname(configs[0]), "run", script), [], { stdio: ["pipe", "pipe", "inherit"] });
    const timer = setTimeout(() => reject(new Error(`${script} wrote nothing`)), 10_000);
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      for (const line of text.split("\n").filter(Boolean)) {
        console.error(`fake speaker: ${script}: ${line}`);
        child.stdin!.write("done\n");
      }
      clearTimeout(timer);
      resolve();
    });
  })
));

const socket = net.connect({ host: "127.0.0.1", port: Number(process.env.exabgp_tcp_port) });
socket.on("error", () => process.exit(0));
socket.on("close", () => process.exit(0));
socket.on("connect", () => {
  console.error(
    `fake speaker: connected for ${test.name} (tcp_connections=${process.env.exabgp_tcp_connections})`,
  );
  socket.write(SPEAKER_OPEN);
  const raws = msg.groups.flatMap((g) => g.items.flatMap((i) => (i.kind === "raw" ? [i.hex] : [])));
  if (process.env.FAKE_SPEAKER_MODE === "wrong") raws[0] = raws[0].slice(0, -2) + "FF";
  for (const hex of raws) socket.write(fromHex(hex));
});
