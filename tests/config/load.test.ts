import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isYamlPath, loadConfig, validateConfig } from "../../lib/config/load.ts";
import { ConfigError } from "../../lib/config/error.ts";
import { readEtc } from "./wire.ts";

/** An in-memory file system standing in for the runtime adapter's readTextFile. */
function reader(files: Record<string, string>): (path: string) => Promise<string> {
  return (
    path,
  ) => (path in files ? Promise.resolve(files[path]) : Promise.reject(new Error(`ENOENT ${path}`)));
}

const YAML = `processes:
  - name: p
    run: ./p.sh
neighbors:
  - peerAddress: 127.0.0.2
    localAs: 1
    peerAs: 1
    api: [{ processes: [p] }]
`;

describe("loadConfig", () => {
  it("chooses the parser by extension", () => {
    assert.equal(isYamlPath("a.yaml"), true);
    assert.equal(isYamlPath("A.YML"), true);
    assert.equal(isYamlPath("exabgp.conf"), false);
    assert.equal(isYamlPath("exabgp"), false);
  });

  it("reads through the injected reader and merges files in order", async () => {
    const files = { "etc/a.conf": readEtc("api-no-respawn.conf"), "b.yml": YAML };
    const c = await loadConfig(["etc/a.conf", "b.yml"], {}, reader(files));
    assert.deepEqual(c.files, ["etc/a.conf", "b.yml"]);
    assert.deepEqual(c.processes.map((p) => p.name), ["one-shot", "respawn", "p"]);
    assert.deepEqual(c.neighbors.map((n) => n.peerAddress), ["127.0.0.1", "127.0.0.2"]);
    // A relative program path is resolved against the configuration's directory.
    assert.equal(c.processes[0].run[0], "etc/run/api-no-respawn-1.run");
    assert.deepEqual(validateConfig(c), []);
  });

  it("passes the environment to the ExaBGP parser", async () => {
    const c = await loadConfig(
      ["x.conf"],
      { "exabgp.bgp.passive": "true" },
      reader({ "x.conf": readEtc("conf-ebgp.conf") }),
    );
    assert.equal(c.neighbors[0].passive, true);
  });

  it("propagates read errors and syntax errors", async () => {
    await assert.rejects(loadConfig(["missing.conf"], {}, reader({})), /ENOENT/);
    await assert.rejects(
      loadConfig(["bad.conf"], {}, reader({ "bad.conf": "neighbor 127.0.0.1 { foo; }" })),
      (e: unknown) =>
        e instanceof ConfigError && e.message.startsWith("bad.conf:1: 'foo' is not a valid keyword"),
    );
  });
});

describe("validateConfig", () => {
  it("reports missing AS numbers, undefined processes and IPv6 sessions without router-id", async () => {
    const text = `process known { run /bin/true; encoder json; }
neighbor 127.0.0.1 {
  peer-as 1;
  api { processes [ known unknown ]; }
}
neighbor ::1 {
  local-as 1;
  peer-as 1;
}
`;
    const c = await loadConfig(["v.conf"], {}, reader({ "v.conf": text }));
    assert.deepEqual(validateConfig(c), [
      "v.conf:2: neighbor 127.0.0.1 has no 'local-as'",
      "v.conf:4: neighbor 127.0.0.1: api names an undefined process 'unknown' (defined: known)",
      "v.conf:6: neighbor ::1 is an IPv6 session and needs a 'router-id'",
    ]);
  });

  it("reports duplicates across files and mismatched address families", async () => {
    const a =
      "process p { run /bin/true; encoder text; }\nneighbor 10.0.0.1 { local-as 1; peer-as 2; local-address ::1; router-id 1.1.1.1; }\n";
    const c = await loadConfig(["a.conf", "b.conf"], {}, reader({ "a.conf": a, "b.conf": a }));
    const problems = validateConfig(c);
    assert.ok(problems.includes("b.conf:1: process 'p' is already defined at a.conf:1"), problems.join("\n"));
    assert.ok(
      problems.includes(
        "a.conf:2: neighbor 10.0.0.1: local-address ::1 and peer 10.0.0.1 are not of the same family",
      ),
    );
    assert.ok(problems.includes("b.conf:2: neighbor 10.0.0.1 is already defined at a.conf:2"));
  });

  it("checks md5-base64 passwords", async () => {
    const text = "neighbor 10.0.0.1 { local-as 1; peer-as 2; md5-password abc!; md5-base64 true; }\n";
    const c = await loadConfig(["m.conf"], {}, reader({ "m.conf": text }));
    assert.deepEqual(validateConfig(c), [
      "m.conf:1: neighbor 10.0.0.1: md5-password is not base64 although md5-base64 is true",
    ]);
  });
});
