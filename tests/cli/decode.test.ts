/**
 * `tsbgp decode` and `tsbgp version` as a user runs them: the executable in a subprocess of the current
 * runtime. Expected values are ExaBGP 5.0's decoding vectors (conformance/exabgp-5.0/decoding), compared
 * as parsed JSON without the per-run keys (exabgp, host, pid, ppid, time, version).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { REPO_ROOT, runCli } from "../helpers/speaker.ts";
import { withoutVolatileKeys } from "../helpers/sandbox.ts";

const DECODING = `${REPO_ROOT}conformance/exabgp-5.0/decoding`;

/** A vector file: `<kind> [afi safi]`, the hex message, the JSON ExaBGP prints. */
function vector(name: string): { kind: string; family: string[]; hex: string; expected: string } {
  const [head, hex, expected] = readFileSync(`${DECODING}/${name}`, "utf8").split("\n");
  const [kind, ...family] = head.trim().split(/\s+/);
  return { kind, family, hex: hex.trim(), expected };
}

describe("tsbgp decode (subprocess)", () => {
  for (const name of ["ipv4-unicast-1", "ipv4-unicast-2", "bgp-open-sofware-version"]) {
    it(`${name}: prints ExaBGP's JSON`, async () => {
      const v = vector(name);
      const family = v.family.length > 0 ? ["-f", v.family.join(" ")] : [];
      const r = await runCli(["decode", `--${v.kind}`, ...family, v.hex]);
      assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}`);
      const lines = r.stdout.trim().split("\n");
      assert.equal(lines.length, 1, r.stdout);
      assert.deepEqual(withoutVolatileKeys(lines[0]), withoutVolatileKeys(v.expected));
    });
  }

  it("bad hex: non-zero exit and a message on stderr, nothing on stdout", async () => {
    const r = await runCli(["decode", "--update", "FFFFZZ"]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /hex/i);
  });
});

describe("tsbgp version (subprocess)", () => {
  it("exits 0 and names the program", async () => {
    const r = await runCli(["version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^tsbgp \S+/);
  });
});
