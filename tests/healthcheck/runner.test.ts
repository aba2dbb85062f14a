/**
 * The healthcheck loop (lib/healthcheck/runner.ts) against a scripted host: which lines it writes for a
 * sequence of check outcomes, that it waits for an ack per line (unless --no-ack or a terminal), runs
 * the hooks with STATE, honours the disable file, --debounce and --interval 0, writes the EXIT withdrawals
 * on SIGTERM but nothing on the end of its input, and removes the set-up addresses on exit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AddressManager, type IpExecutor } from "../../lib/healthcheck/ip_setup.ts";
import { parseNetwork } from "../../lib/healthcheck/network.ts";
import { DEFAULTS, type HealthcheckOptions } from "../../lib/healthcheck/options.ts";
import {
  type Ack,
  type CheckResult,
  type HealthcheckHost,
  HealthcheckRunner,
  type StopReason,
} from "../../lib/healthcheck/runner.ts";

/**
 * The script: "+" a successful check, "-" a failed one, "T" a timed-out one, "D" the disable file present
 * at that observation (no check). Once it is used up, the run is stopped with `end`.
 */
class ScriptedHost implements HealthcheckHost {
  readonly written: string[] = [];
  readonly hooks: string[] = [];
  readonly sleeps: number[] = [];
  acks = 0;
  checks = 0;
  #at = 0;
  runner!: HealthcheckRunner;

  constructor(
    readonly script: string,
    readonly end: StopReason = "SIGTERM",
    readonly answer: Ack = "done",
    readonly interactive = false,
  ) {}

  check(_command: string, _timeoutS: number): Promise<CheckResult> {
    const c = this.script[this.#at++];
    if (c === undefined) {
      this.runner.stop(this.end);
      return Promise.resolve({ kind: "aborted" });
    }
    this.checks++;
    if (c === "T") return Promise.resolve({ kind: "timeout" });
    return Promise.resolve(
      c === "+" ? { kind: "success" } : { kind: "failure", code: 1, signal: null, output: "" },
    );
  }
  exists(_path: string): boolean {
    if (this.script[this.#at] !== "D") return false;
    this.#at++;
    return true;
  }
  hook(command: string, env: Readonly<Record<string, string>>): Promise<void> {
    this.hooks.push(`${command} STATE=${env.STATE}`);
    return Promise.resolve();
  }
  write(line: string): Promise<boolean> {
    this.written.push(line);
    return Promise.resolve(true);
  }
  ack(): Promise<Ack> {
    this.acks++;
    return Promise.resolve(this.answer);
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    return Promise.resolve();
  }
}

function quietLog() {
  const lines: string[] = [];
  const add = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { lines, log: { debug: () => {}, info: add("INFO"), warn: add("WARNING"), error: add("ERROR") } };
}

async function runScript(
  host: ScriptedHost,
  options: Partial<HealthcheckOptions>,
  ips = ["192.0.2.1/32"],
  addresses?: AddressManager,
): Promise<{ code: number; log: string[] }> {
  const { lines, log } = quietLog();
  const o: HealthcheckOptions = { ...DEFAULTS, command: "check", ipSetup: false, ...options };
  host.runner = new HealthcheckRunner(o, ips, host, log, addresses);
  const code = await host.runner.run();
  return { code, log: lines };
}

const UP = "neighbor * announce route 192.0.2.1/32 next-hop self med 100";
const DOWN = "neighbor * announce route 192.0.2.1/32 next-hop self med 1000";
const DISABLED = "neighbor * announce route 192.0.2.1/32 next-hop self med 500";
const WITHDRAW = "neighbor * withdraw route 192.0.2.1/32 next-hop self";

describe("healthcheck runner", () => {
  it("announces UP after rise successes, DOWN after fall failures, on every stable check; EXIT withdraws", async () => {
    const host = new ScriptedHost("++++--");
    const r = await runScript(host, { rise: 2, fall: 2, interval: 3, fast: 0.5 });
    assert.equal(r.code, 0);
    assert.deepEqual(host.written, [UP, UP, UP, DOWN, WITHDRAW]);
    assert.equal(host.acks, host.written.length, "one ack awaited per line");
    // RISING → fast; UP ×3 → interval; FALLING → fast; DOWN → interval
    assert.deepEqual(host.sleeps, [500, 3000, 3000, 3000, 500, 3000]);
    assert.ok(r.log.includes("INFO send announces for UP state to ExaBGP"), r.log.join("\n"));
    assert.ok(r.log.includes("WARNING Check command was unsuccessful: 1"), r.log.join("\n"));
  });

  it("withdraws on DOWN with --withdraw-on-down and announces again when back UP", async () => {
    const host = new ScriptedHost("+-+");
    await runScript(host, { rise: 1, fall: 1, withdrawOnDown: true });
    assert.deepEqual(host.written, [UP, WITHDRAW, UP, WITHDRAW]);
  });

  it("counts a timed-out check as a failure", async () => {
    const host = new ScriptedHost("T");
    const r = await runScript(host, { rise: 1, fall: 1, timeout: 2 });
    assert.deepEqual(host.written, [DOWN, WITHDRAW]);
    assert.ok(r.log.includes("WARNING Timeout (2) while running check command check"), r.log.join("\n"));
  });

  it("with --debounce writes only on state changes", async () => {
    const host = new ScriptedHost("+++--+");
    await runScript(host, { rise: 1, fall: 2, debounce: true });
    assert.deepEqual(host.written, [UP, DOWN, UP, WITHDRAW]);
  });

  it("announces DISABLED while the disable file exists, then starts again from INIT", async () => {
    const host = new ScriptedHost("+DD++");
    await runScript(host, { rise: 1, fall: 1, disable: "/off" });
    // +: UP; D, D: DISABLED (no check); +: file gone → INIT (checked, nothing written); +: UP; stop: EXIT
    assert.deepEqual(host.written, [UP, DISABLED, DISABLED, UP, WITHDRAW]);
    assert.equal(host.checks, 3);
  });

  it("stops writing and exits at once with --interval 0 once a state is announced (no EXIT)", async () => {
    const host = new ScriptedHost("++++");
    const r = await runScript(host, { rise: 2, interval: 0 });
    assert.equal(r.code, 0);
    assert.deepEqual(host.written, [UP]);
    assert.equal(host.checks, 2);
    assert.ok(r.log.includes("INFO interval set to zero, exiting after the announcement"));
  });

  it("writes nothing more when its input ends (the speaker went away)", async () => {
    const host = new ScriptedHost("+", "EOF");
    await runScript(host, { rise: 1 });
    assert.deepEqual(host.written, [UP]);
  });

  it("reads no ack with --no-ack or on a terminal", async () => {
    const noAck = new ScriptedHost("+");
    await runScript(noAck, { rise: 1, noAck: true });
    assert.equal(noAck.acks, 0);
    const tty = new ScriptedHost("+", "SIGTERM", "done", true);
    await runScript(tty, { rise: 1 });
    assert.equal(tty.acks, 0);
    assert.deepEqual(tty.written, [UP, WITHDRAW]);
  });

  it("reports an error answer and a missing one", async () => {
    const err = new ScriptedHost("+", "SIGTERM", "error");
    const r = await runScript(err, { rise: 1 });
    assert.ok(r.log.includes(`WARNING the speaker answered error for: ${UP}`), r.log.join("\n"));
    const silent = new ScriptedHost("+", "SIGTERM", "timeout");
    const s = await runScript(silent, { rise: 1 });
    assert.ok(
      s.log.some((l) => l.startsWith(`WARNING no done/error within 10000 ms for: ${UP}`)),
      s.log.join("\n"),
    );
  });

  it("stops at once when the answer never comes because its input closed", async () => {
    const host = new ScriptedHost("++", "SIGTERM", "closed");
    await runScript(host, { rise: 1 });
    assert.deepEqual(host.written, [UP], "no EXIT lines after the input closed");
    assert.equal(host.checks, 1);
  });

  it("runs the hooks of each state entered with STATE set", async () => {
    const host = new ScriptedHost("++-");
    await runScript(host, {
      rise: 2,
      fall: 1,
      upExecute: ["up.sh"],
      downExecute: ["down.sh"],
      execute: ["any.sh"],
    });
    assert.deepEqual(host.hooks, [
      "any.sh STATE=RISING",
      "up.sh STATE=UP",
      "any.sh STATE=UP",
      "down.sh STATE=DOWN",
      "any.sh STATE=DOWN",
    ]);
  });

  it("writes one line per address with increasing metrics, starting where the ips list starts", async () => {
    const host = new ScriptedHost("+");
    await runScript(host, { rise: 1, increase: 5 }, ["192.0.2.2/32", "192.0.2.1/32"]);
    assert.deepEqual(host.written.slice(0, 2), [
      "neighbor * announce route 192.0.2.2/32 next-hop self med 100",
      "neighbor * announce route 192.0.2.1/32 next-hop self med 105",
    ]);
  });

  it("removes the set-up addresses on EXIT; with --dynamic-ip-setup also on DOWN, restoring them on UP", async () => {
    const ran: string[] = [];
    const exec: IpExecutor = {
      privileged: true,
      list: () => Promise.resolve("1: lo    inet 192.0.2.1/32 scope global lo\\ valid_lft forever"),
      run: (argv) => {
        ran.push(argv.join(" "));
        return Promise.resolve(0);
      },
    };
    const opts = {
      ips: [parseNetwork("192.0.2.1"), parseNetwork("192.0.2.2")],
      ipIfnames: new Map(),
      sudo: false,
      labelExactMatch: false,
    };
    const addresses = new AddressManager(opts, exec, quietLog().log);
    await runScript(new ScriptedHost("+"), { rise: 1, ipSetup: true }, ["192.0.2.1/32"], addresses);
    assert.deepEqual(ran, ["ip address delete 192.0.2.1/32 dev lo"]);
    ran.length = 0;
    await runScript(new ScriptedHost("+-"), { rise: 1, fall: 1, ipSetup: false, ipDynamic: true }, [
      "192.0.2.1/32",
    ], addresses);
    assert.deepEqual(ran, [
      "ip address add 192.0.2.2/32 dev lo", // UP: restore what is missing
      "ip address delete 192.0.2.1/32 dev lo", // DOWN
      "ip address delete 192.0.2.1/32 dev lo", // EXIT
    ]);
  });
});
