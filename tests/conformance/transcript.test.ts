import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultDataDir, runScripts, scriptIndex, scriptSource } from "../../scripts/conformance/suite.ts";
import {
  parseDirective,
  parseTranscript,
  selectSection,
  type Step,
} from "../../scripts/conformance/transcript.ts";

const DATA = defaultDataDir();
const transcript = (test: string) =>
  parseTranscript(readFileSync(join(DATA, "transcripts", `${test}.commands.txt`), "utf8"), test);
const sends = (steps: readonly Step[]) => steps.flatMap((s) => (s.kind === "send" ? [s.line] : []));

describe("transcript reader", () => {
  it("reads directives with their defaults and annotations", () => {
    assert.deepEqual(parseDirective(" wait 0.2s   (let the EOR pass)"), { kind: "wait", seconds: 0.2 });
    assert.deepEqual(parseDirective("wait-for-ack 4"), {
      kind: "wait-for-ack",
      count: 4,
      timeoutS: 2,
      require: undefined,
    });
    assert.deepEqual(parseDirective("wait-for-ack 1 timeout 1s (must TIME OUT - no ack expected)"), {
      kind: "wait-for-ack",
      count: 1,
      timeoutS: 1,
      require: "timeout",
    });
    assert.deepEqual(parseDirective("wait-for-ack 1            (must succeed, else exit 1)"), {
      kind: "wait-for-ack",
      count: 1,
      timeoutS: 2,
      require: "success",
    });
    assert.deepEqual(parseDirective("wait-for-shutdown"), { kind: "wait-for-shutdown", timeoutS: 5 });
    assert.deepEqual(parseDirective("wait-for-shutdown (timeout 15s)"), {
      kind: "wait-for-shutdown",
      timeoutS: 15,
    });
    assert.equal(parseDirective("loop: read one event line from stdin"), undefined);
  });

  it("plays api-rib's commands in order, prose and headers aside", () => {
    const [section] = transcript("api-rib").sections;
    assert.deepEqual(section.scripts, ["api-rib.run"]);
    const steps = section.steps;
    assert.deepEqual(steps.slice(0, 4), [
      { kind: "wait", seconds: 1 },
      { kind: "send", line: "announce route 192.168.0.0/32 next-hop 10.0.0.0" },
      { kind: "send", line: "clear adj-rib out" },
      { kind: "wait-for-ack", count: 2, timeoutS: 2, require: undefined },
    ]);
    // "# flush adj-rib out (= re-send …)" in the header is prose, not a command
    assert.equal(sends(steps).filter((l) => l === "flush adj-rib out").length, 2);
    assert.deepEqual(steps.at(-1), { kind: "wait-for-shutdown", timeoutS: 7 });
  });

  it("keeps the inner spaces of a command (api-multisession, api-fast)", () => {
    const multisession = sends(transcript("api-multisession").sections[0].steps);
    assert.match(multisession[0], /^announce {50,}route 1\.0\.0\.0\/24/);
    assert.ok(
      sends(transcript("api-fast").sections[0].steps).includes(
        "announce route 0.0.0.0/0  next-hop 1.101.1.101",
      ),
    );
  });

  it("takes the success path of a branching script and skips the failure path (api-rr, api-check)", () => {
    const rr = sends(transcript("api-rr").sections[0].steps);
    assert.deepEqual(rr, [
      "announce route 192.168.0.0/32 next-hop 10.0.0.0",
      "announce route 192.168.0.1/32 next-hop 10.0.0.1",
      "announce route-refresh ipv4 unicast",
      "announce route 192.168.0.2/32 next-hop 10.0.0.1",
    ]);
    assert.equal(transcript("api-rr").sections[0].steps.filter((s) => s.kind === "read").length, 5);
    assert.deepEqual(sends(transcript("api-check").sections[0].steps), [
      "neighbor 127.0.0.1 announce route 1.2.3.4 next-hop 5.6.7.8",
    ]);
  });

  it("splits two-process transcripts and reads the script quoted in comments (api-no-respawn)", () => {
    const t = transcript("api-no-respawn");
    assert.deepEqual(t.sections.map((s) => [s.name, s.scripts]), [
      ["one-shot", ["api-no-respawn-1.run"]],
      ["respawn", ["api-no-respawn-2.run"]],
    ]);
    assert.deepEqual(selectSection(t, "api-no-respawn-2.run").steps, [
      { kind: "wait", seconds: 0.2 },
      { kind: "send", line: "announce route 2.2.2.2/32 next-hop 22.22.22.22" },
      { kind: "wait", seconds: 0.2 },
      { kind: "send", line: "announce route 3.3.3.3/32 next-hop 33.33.33.33" },
      { kind: "wait", seconds: 0.2 },
      { kind: "wait-for-ack", count: 2, timeoutS: 2, require: undefined },
      { kind: "wait-for-shutdown", timeoutS: 5 },
    ]);
    assert.deepEqual(sends(selectSection(t, "one-shot").steps), [
      "announce route 1.1.1.1/32 next-hop 11.11.11.11",
    ]);
  });

  it("drops annotations of quoted commands and ignores the preamble (api-multiple-api)", () => {
    const t = transcript("api-multiple-api");
    assert.deepEqual(sends(selectSection(t, "private").steps), [
      "announce route 2.2.2.2/32 next-hop 127.0.0.1",
      "shutdown",
    ]);
    assert.deepEqual(sends(selectSection(t, "public").steps), [
      "announce route 1.1.1.1/32 next-hop 127.0.0.1",
      "announce route 3.3.3.3/32 next-hop 127.0.0.1",
    ]);
  });

  it("api-api: nested directives on the success path, nothing from the failure paths", () => {
    const t = transcript("api-api");
    assert.deepEqual(selectSection(t, "api-api.receive.run").steps, [
      { kind: "wait", seconds: 2 },
      { kind: "send", line: "announce route 6.6.6.0/24 next-hop 1.1.1.1" },
      { kind: "wait-for-ack", count: 1, timeoutS: 2, require: undefined },
    ]);
    assert.deepEqual(sends(selectSection(t, "expecting-no-data").steps), []);
    assert.throws(() => selectSection(t, "absent"), /no script 'absent'/);
  });

  it("selects a single-script transcript by its script file, whatever the test is called", () => {
    const t = transcript("api-announce-processes-match");
    assert.equal(selectSection(t, "api-announce.run"), t.sections[0]);
    assert.equal(selectSection(t, "api-announce"), t.sections[0]);
    const watchdog = transcript("conf-watchdog");
    assert.equal(selectSection(watchdog, "watchdog.run"), watchdog.sections[0]);
  });

  it("marks api-fast's single-write bursts", () => {
    const kinds = transcript("api-fast").sections[0].steps.map((s) =>
      s.kind === "send" ? s.line.split(" ")[0] : s.kind
    );
    assert.deepEqual(kinds, [
      "wait",
      "burst",
      "announce",
      "announce",
      "withdraw",
      "announce",
      "wait",
      "burst",
      "announce",
      "announce",
      "withdraw",
      "wait",
      "announce",
      "wait-for-shutdown",
    ]);
  });

  it("loops the watchdog script", () => {
    const steps = transcript("conf-watchdog").sections[0].steps;
    assert.deepEqual(steps.map((s) => s.kind), ["send", "wait", "send", "wait", "repeat"]);
  });

  it("maps every helper script the 72 tests' configurations run to a transcript", async () => {
    const index = await scriptIndex(DATA);
    const ciNames = readdirSync(join(DATA, "encoding")).filter((f) => f.endsWith(".ci"));
    assert.equal(ciNames.length, 72);
    let scripts = 0;
    for (const ci of ciNames) {
      const name = ci.slice(0, -3);
      for (const conf of readFileSync(join(DATA, "encoding", ci), "utf8").trim().split(/\s+/)) {
        for (const script of runScripts(readFileSync(join(DATA, "etc", conf), "utf8"))) {
          scripts++;
          assert.ok(scriptSource(index, script, name), `${name}: ${script}`);
        }
      }
    }
    assert.ok(scripts >= 38);
    assert.equal(scriptSource(index, "api-announce.run", "api-announce")!.test, "api-announce");
    assert.equal(scriptSource(index, "watchdog.run", "conf-watchdog")!.test, "conf-watchdog");
  });
});
