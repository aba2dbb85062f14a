/**
 * The files in examples/ are what README.md tells people to run, so they stay true:
 * - every configuration (*.conf, *.yaml, *.yml) passes `tsbgp validate`;
 * - every helper script (*.sh) is executable (a `process` block runs it directly) and is valid sh;
 * - the worked example of README "The API" works as written: examples/api-peer.conf listens on 127.0.0.2,
 *   examples/api.conf connects to it, its helper (examples/api-helper.sh) announces 203.0.113.0/24, and the
 *   peer's helper gets that UPDATE as one ExaBGP 5.0 JSON line, which it copies to stderr, i.e. the log.
 *   Only the port (1790 in the files) is changed to a free one; both speakers are stopped by PID;
 * - each family example (README "Families") puts every route it configures on the wire: a second tsbgp on
 *   127.0.0.2 with the same families receives them all (`tsbgp cli show adj-rib in`).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  accessSync,
  constants,
  copyFileSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runCli, type SpeakerProcess, startSpeaker } from "../helpers/speaker.ts";
import { freePort, makeTempDir, removeTempDir } from "../helpers/sandbox.ts";

const EXAMPLES = join(REPO_ROOT, "examples");
const files = readdirSync(EXAMPLES).sort();
const configs = files.filter((f) => /\.(conf|ya?ml)$/.test(f));
const scripts = files.filter((f) => f.endsWith(".sh"));

describe("examples/", () => {
  it("has the configurations the README names", () => {
    for (
      const name of [
        "anycast.conf",
        "anycast.yaml",
        "api.conf",
        "api-peer.conf",
        "flowspec.conf",
        "vpn.conf",
        "vpls.conf",
        "mup.conf",
      ]
    ) {
      assert.ok(configs.includes(name), `examples/${name} is missing (found: ${configs.join(", ")})`);
    }
  });

  for (const name of configs) {
    it(`tsbgp validate examples/${name}`, async () => {
      const r = await runCli(["validate", `examples/${name}`]);
      assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^examples/${name.replace(/\./g, "\\.")}: ok \\(`, "m"));
      assert.equal(r.stderr, "", "no warning expected");
    });
  }

  for (const name of scripts) {
    it(`examples/${name} is an executable sh script`, () => {
      const path = join(EXAMPLES, name);
      assert.doesNotThrow(() => accessSync(path, constants.X_OK), `${path} is not executable`);
      assert.match(readFileSync(path, "utf8"), /^#!\/bin\/sh\n/);
      execFileSync("/bin/sh", ["-n", path]); // throws on a syntax error
    });
  }
});

describe("README 'The API': examples/api.conf announces through its helper to examples/api-peer.conf", () => {
  let dir: string;
  const speakers: SpeakerProcess[] = [];

  before(async () => {
    dir = makeTempDir("examples-api");
    const port = await freePort("127.0.0.2");
    for (const name of ["api.conf", "api-peer.conf"]) {
      const text = readFileSync(join(EXAMPLES, name), "utf8");
      assert.match(text, /\b1790;/, `${name} no longer uses port 1790: update this test`);
      writeFileSync(join(dir, name), text.replace(/\b1790;/g, `${port};`));
    }
    const helper = join(dir, "api-helper.sh");
    copyFileSync(join(EXAMPLES, "api-helper.sh"), helper);
    assert.ok(statSync(helper).mode & 0o100, "the copied helper lost its executable bit");
  });

  after(async () => {
    for (const s of speakers) await s.stop();
    removeTempDir(dir);
  });

  it("the peer's helper receives the route as an ExaBGP 5.0 JSON update", { timeout: 60_000 }, async () => {
    const peer = startSpeaker([join(dir, "api-peer.conf")], {
      env: { exabgp_api_socketpath: join(dir, "peer.sock") },
    });
    speakers.push(peer);
    await peer.waitForLine(/listening on 127\.0\.0\.2:/, 20_000);
    const speaker = startSpeaker([join(dir, "api.conf")], {
      env: { exabgp_api_socketpath: join(dir, "api.sock") },
    });
    speakers.push(speaker);

    // The announcing helper's command was acknowledged (its stdin, copied to the log).
    await speaker.waitForLine(/process announce: done$/, 20_000);
    const { line } = await peer.waitForLine(
      /process print: \{.*"type": "update".*203\.0\.113\.0\/24/,
      20_000,
    );
    const event = JSON.parse(line.slice(line.indexOf("{")));
    assert.equal(event.exabgp, "5.0.0");
    assert.deepEqual(event.neighbor.address, { local: "127.0.0.2", peer: "127.0.0.1" });
    assert.deepEqual(event.neighbor.asn, { local: 65002, peer: 65001 });
    assert.equal(event.neighbor.direction, "receive");
    const update = event.neighbor.message.update;
    assert.deepEqual(update.announce, { "ipv4 unicast": { "127.0.0.1": [{ nlri: "203.0.113.0/24" }] } });
    assert.equal(update.attribute.origin, "igp");
    assert.deepEqual(update.attribute["as-path"], { "0": { element: "as-sequence", value: [65001] } });
    assert.deepEqual(update.attribute.community, [[65001, 100]]);
  });
});

/** The example's `family { … }` line, its AS numbers and route count (from `tsbgp validate`). */
function describeExample(text: string, validated: string) {
  const family = text.match(/^\tfamily \{([^}]*)\}/m);
  const localAs = text.match(/^\tlocal-as (\d+);/m);
  const peerAs = text.match(/^\tpeer-as (\d+);/m);
  const routes = validated.match(/, (\d+) route\(s\)/);
  assert.ok(
    family && localAs && peerAs && routes,
    "the example needs one-line 'family { … }', 'local-as', 'peer-as'",
  );
  const families = family[1].split(";").map((f) => f.trim()).filter((f) => f !== "");
  return {
    familyLine: family[0],
    families,
    localAs: localAs[1],
    peerAs: peerAs[1],
    routes: Number(routes[1]),
  };
}

describe("README 'Families': every route of a family example reaches a peer", () => {
  for (const name of ["flowspec.conf", "vpn.conf", "vpls.conf", "mup.conf"]) {
    it(`examples/${name}`, { timeout: 60_000 }, async () => {
      const dir = makeTempDir("examples-family");
      const started: SpeakerProcess[] = [];
      try {
        const text = readFileSync(join(EXAMPLES, name), "utf8");
        const validated = await runCli(["validate", `examples/${name}`]);
        const ex = describeExample(text, validated.stdout);
        assert.ok(ex.routes > 0, validated.stdout);
        const port = await freePort("127.0.0.2");
        writeFileSync(join(dir, name), text.replace(ex.familyLine, `\tconnect ${port};\n${ex.familyLine}`));
        writeFileSync(
          join(dir, "peer.conf"),
          `neighbor 127.0.0.1 {\n\trouter-id 192.0.2.2;\n\tlocal-address 127.0.0.2;\n\tlocal-as ${ex.peerAs};\n` +
            `\tpeer-as ${ex.localAs};\n\tlisten ${port};\n\tpassive;\n${ex.familyLine}\n}\n`,
        );
        const socket = join(dir, "peer.sock");
        const peer = startSpeaker([join(dir, "peer.conf")], { env: { exabgp_api_socketpath: socket } });
        started.push(peer);
        await peer.waitForLine(/listening on 127\.0\.0\.2:/, 20_000);
        started.push(
          startSpeaker([join(dir, name)], { env: { exabgp_api_socketpath: join(dir, "ex.sock") } }),
        );
        await peer.waitForLine(/neighbor 127\.0\.0\.1 up/, 20_000);

        let received: string[] = [];
        const deadline = Date.now() + 20_000;
        while (received.length < ex.routes && Date.now() < deadline) {
          const r = await runCli(["cli", "--socket", socket, "show", "adj-rib", "in"]);
          received = r.stdout.split("\n").filter((l) => l.startsWith("127.0.0.1 "));
          if (received.length < ex.routes) await new Promise((resolve) => setTimeout(resolve, 300));
        }
        assert.equal(received.length, ex.routes, `received:\n${received.join("\n")}\n${peer.output}`);
        for (const line of received) {
          const family = line.split(" ").slice(1, 3).join(" ");
          assert.ok(
            ex.families.includes(family),
            `${family} is not one of ${ex.families.join(", ")}: ${line}`,
          );
        }
      } finally {
        for (const s of started) await s.stop();
        removeTempDir(dir);
      }
    });
  }
});
