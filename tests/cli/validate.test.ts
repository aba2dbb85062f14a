/**
 * `tsbgp validate` as a user runs it (a subprocess of the current runtime): every ExaBGP 5.0 conformance
 * configuration is accepted; malformed files are refused with a `FILE:LINE:` message that points at the
 * faulty line; the native YAML syntax is checked the same way.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../helpers/speaker.ts";
import { makeTempDir, removeTempDir } from "../helpers/sandbox.ts";

const ETC = `${REPO_ROOT}conformance/exabgp-5.0/etc`;

const HEAD = `neighbor 127.0.0.1 {
  router-id 1.2.3.4;
  local-address 127.0.0.1;
`;

/** Malformed configurations and the line their error is on. */
const MALFORMED: readonly { name: string; text: string; line: RegExp; what: RegExp }[] = [
  {
    name: "missing-semicolon.conf",
    text: `${HEAD}  local-as 65000\n  peer-as 65001;\n}\n`,
    line: /:(4|5):/,
    what: /local-as|peer-as|;/,
  },
  {
    name: "bad-ip.conf",
    text:
      `neighbor 127.0.0.1 {\n  router-id 1.2.3.4;\n  local-address 127.0.0.300;\n  local-as 65000;\n  peer-as 65001;\n}\n`,
    line: /:3:/,
    what: /127\.0\.0\.300/,
  },
  {
    name: "bad-route-ip.conf",
    text:
      `${HEAD}  local-as 65000;\n  peer-as 65001;\n  static {\n    route 10.0.0.0/24 next-hop 192.0.2.999;\n  }\n}\n`,
    line: /:7:/,
    what: /192\.0\.2\.999/,
  },
  {
    name: "unknown-keyword.conf",
    text: `${HEAD}  local-as 65000;\n  peer-as 65001;\n  frobnicate yes;\n}\n`,
    line: /:6:/,
    what: /frobnicate/,
  },
  {
    // The `static` block is never closed, so the second neighbor lands inside the first.
    name: "unclosed-brace.conf",
    text:
      `${HEAD}  local-as 65000;\n  peer-as 65001;\n  static {\n    route 10.0.0.0/24 next-hop 192.0.2.1;\n}\n` +
      `neighbor 127.0.0.2 {\n  local-as 65000;\n  peer-as 65002;\n}\n`,
    line: /:9:/,
    what: /neighbor/,
  },
  {
    name: "bad.yaml",
    text:
      `neighbors:\n  - peerAddress: 127.0.0.1\n    localAs: 65000\n    peerAs: 65001\n    holdTime: 2\n    routerId: 192.0.2.1\n`,
    line: /:5:/,
    what: /holdTime/,
  },
  {
    name: "bad-field.yaml",
    text:
      `neighbors:\n  - peerAddress: 127.0.0.1\n    localAs: 65000\n    peerAs: 65001\n    routerId: 192.0.2.1\n    holdtime: 90\n`,
    line: /:6:/,
    what: /holdtime/,
  },
];

const GOOD_YAML = `neighbors:
  - peerAddress: 127.0.0.1
    localAs: 65000
    peerAs: 65001
    routerId: 192.0.2.1
    families: [ipv4 unicast, ipv6 unicast]
    routes:
      - "10.0.0.0/24 next-hop 192.0.2.1 med 100"
      - "2001:db8::/32 next-hop 2001:db8::1 community [ 65000:1 ]"
`;

describe("tsbgp validate (subprocess)", () => {
  let dir: string;
  before(() => {
    dir = makeTempDir("validate");
    for (const m of MALFORMED) writeFileSync(join(dir, m.name), m.text);
    writeFileSync(join(dir, "good.yaml"), GOOD_YAML);
  });
  after(() => removeTempDir(dir));

  it("accepts every ExaBGP 5.0 conformance configuration (etc/*.conf)", async () => {
    const files = readdirSync(ETC).filter((f) => f.endsWith(".conf")).sort().map((f) => `${ETC}/${f}`);
    assert.ok(files.length >= 80, `only ${files.length} configurations found in ${ETC}`);
    const r = await runCli(["validate", ...files]);
    assert.equal(r.code, 0, r.stderr);
    const ok = new Set(
      r.stdout.split("\n").filter((l) => / ok \(/.test(l)).map((l) => l.slice(0, l.indexOf(": ok"))),
    );
    assert.deepEqual(files.filter((f) => !ok.has(f)), [], `not reported ok:\n${r.stdout}\n${r.stderr}`);
  });

  for (const m of MALFORMED) {
    it(`refuses ${m.name} with FILE:LINE: on stderr`, async () => {
      const file = join(dir, m.name);
      const r = await runCli(["validate", file]);
      assert.notEqual(r.code, 0, `accepted:\n${r.stdout}`);
      const lines = r.stderr.split("\n").filter((l) => l.startsWith(`${file}:`));
      assert.ok(lines.length > 0, `no '${file}:LINE:' message in:\n${r.stderr}`);
      assert.match(lines[0], new RegExp(`^[^:]*${m.line.source}`), r.stderr);
      assert.match(lines[0], m.what);
    });
  }

  it("a brace left open at the end of the file is a FILE:LINE warning, as ExaBGP accepts it (etc/conf-split.conf)", async () => {
    const file = join(dir, "open-at-end.conf");
    writeFileSync(file, `${HEAD}  local-as 65000;\n  peer-as 65001;\n  family {\n    ipv4 unicast;\n`);
    const r = await runCli(["validate", file]);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.\\/]/g, "\\$&")}:(1|6):`));
  });

  it("accepts a valid YAML configuration and counts its routes", async () => {
    const file = join(dir, "good.yaml");
    const r = await runCli(["validate", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 neighbor\(s\), 2 route\(s\)/);
  });

  it("several files at once: one bad file makes the exit non-zero, the good ones are still reported", async () => {
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad-ip.conf");
    const r = await runCli(["validate", good, bad]);
    assert.notEqual(r.code, 0);
    assert.match(r.stdout, new RegExp(`good\\.yaml: ok`));
    assert.match(r.stderr, /bad-ip\.conf:3:/);
  });

  it("a missing file is refused", async () => {
    const r = await runCli(["validate", join(dir, "no-such-file.conf")]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no-such-file\.conf/);
  });
});
