/**
 * `tsbgp demo` as a user runs it (a subprocess of the current runtime, or TSBGP_BIN): with no file and no
 * argument it brings a session up between two speakers on loopback, routes flow both ways with their
 * attributes (printed as ExaBGP 5.0 JSON events), it ends by itself with exit 0, and its last lines point
 * at next steps that exist: a configuration that validates and sub-commands the executable has.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CliResult, runCli } from "../helpers/speaker.ts";

interface Event {
  type: string;
  counter: number;
  neighbor: {
    address: { local: string; peer: string };
    state?: string;
    message?: { update?: Update; eor?: unknown };
  };
}
interface Update {
  attribute?: Record<string, unknown>;
  announce?: Record<string, Record<string, { nlri: string }[]>>;
}

/** The route `prefix` of `family` as the side at `local` received it: its attributes and next hop. */
function received(events: Event[], local: string, family: string, prefix: string) {
  for (const e of events) {
    const update = e.neighbor.message?.update;
    if (e.type !== "update" || e.neighbor.address.local !== local || !update?.announce?.[family]) continue;
    for (const [nextHop, routes] of Object.entries(update.announce[family])) {
      if (routes.some((r) => r.nlri === prefix)) return { nextHop, attribute: update.attribute };
    }
  }
  return undefined;
}

describe("tsbgp demo (subprocess)", () => {
  let run: CliResult;
  let events: Event[];
  let comments: string[];
  before(async () => {
    run = await runCli(["demo"], { timeoutMs: 30_000 });
    const lines = run.stdout.split("\n").filter((l) => l.trim() !== "");
    comments = lines.filter((l) => l.startsWith("#"));
    events = lines.filter((l) => !l.startsWith("#")).map((l) => JSON.parse(l) as Event);
  });

  it("ends by itself with exit 0 and nothing on stderr", () => {
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(run.stderr, "");
  });

  it("brings the session up on both sides, then down when it ends", () => {
    const states = events.filter((e) => e.type === "state")
      .map((e) => `${e.neighbor.address.local}>${e.neighbor.address.peer} ${e.neighbor.state}`);
    assert.deepEqual(states.filter((s) => s.endsWith(" up")).sort(), [
      "127.0.0.1>127.0.0.2 up",
      "127.0.0.2>127.0.0.1 up",
    ]);
    assert.deepEqual(states.filter((s) => s.endsWith(" down")).sort(), [
      "127.0.0.1>127.0.0.2 down",
      "127.0.0.2>127.0.0.1 down",
    ]);
    assert.ok(
      states.indexOf("127.0.0.2>127.0.0.1 up") < states.indexOf("127.0.0.2>127.0.0.1 down"),
      states.join("\n"),
    );
  });

  it("each side numbers its events 1, 2, 3… (the JSON counter)", () => {
    for (const local of ["127.0.0.1", "127.0.0.2"]) {
      const counters = events.filter((e) => e.neighbor.address.local === local).map((e) => e.counter);
      assert.deepEqual(counters, counters.map((_, i) => i + 1), local);
    }
  });

  it("alpha's IPv4 routes reach beta with their attributes (eBGP: AS 65001 prepended)", () => {
    assert.deepEqual(received(events, "127.0.0.2", "ipv4 unicast", "198.51.100.0/24"), {
      nextHop: "192.0.2.1",
      attribute: {
        origin: "igp",
        "as-path": { "0": { element: "as-sequence", value: [65001] } },
        med: 10,
        community: [[65001, 100]],
      },
    });
    assert.deepEqual(
      received(events, "127.0.0.2", "ipv4 unicast", "203.0.113.0/25")?.attribute?.["as-path"],
      {
        "0": { element: "as-sequence", value: [65001, 64500] },
      },
    );
  });

  it("beta's IPv6 route reaches alpha (NO_EXPORT is 65535:65281, RFC 1997)", () => {
    assert.deepEqual(received(events, "127.0.0.1", "ipv6 unicast", "2001:db8:beef::/48"), {
      nextHop: "2001:db8::2",
      attribute: {
        origin: "igp",
        "as-path": { "0": { element: "as-sequence", value: [65002] } },
        community: [[65535, 65281]],
      },
    });
    assert.equal(received(events, "127.0.0.1", "ipv4 unicast", "192.0.2.128/25")?.nextHop, "127.0.0.2");
  });

  it("End-of-RIB for both families each way, and the summary counts the routes", () => {
    const eors = events.filter((e) => e.neighbor.message?.eor !== undefined);
    assert.equal(eors.length, 4, JSON.stringify(eors));
    assert.ok(
      comments.some((c) => /alpha holds 2 routes from beta, beta holds 2 routes from alpha/.test(c)),
      comments.join("\n"),
    );
  });

  it("points at next steps that exist", async () => {
    const steps = comments.slice(comments.findIndex((c) => /^# next steps/.test(c)));
    assert.ok(steps.length > 1, comments.join("\n"));
    const text = steps.join("\n");
    const config = /tsbgp validate (\S+)/.exec(text)?.[1];
    assert.ok(config, text);
    const validated = await runCli(["validate", config]);
    assert.equal(validated.code, 0, `${config}: ${validated.stderr}`);

    const usage = (await runCli(["--help"])).stdout;
    for (const sub of ["healthcheck", "cli", "decode", "validate"]) {
      assert.match(text, new RegExp(`tsbgp ${sub} `), `next steps do not mention tsbgp ${sub}`);
      assert.match(usage, new RegExp(`^ *tsbgp ${sub} `, "m"), `tsbgp --help has no '${sub}' sub-command`);
    }
  });
});
