/**
 * Service addresses (lib/healthcheck/network.ts) and their management on the interfaces
 * (lib/healthcheck/ip_setup.ts): strict networks as Python's ip_network, `ip -o address show` parsing,
 * the add/delete plans with labels, --ip-ifname and --sudo, and the policy that nothing runs unless
 * privileged. No real interface is touched: the manager runs against a recording executor.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AddressManager,
  type IpExecutor,
  matchingAddresses,
  parseIpAddressShow,
  type PlanOptions,
  planRemove,
  planSetup,
} from "../../lib/healthcheck/ip_setup.ts";
import { hostNetworks, isLoopback, networkText, parseNetwork } from "../../lib/healthcheck/network.ts";

describe("healthcheck networks", () => {
  it("parses addresses and networks as Python's ip_network (strict)", () => {
    assert.equal(networkText(parseNetwork("192.0.2.1")), "192.0.2.1/32");
    assert.equal(networkText(parseNetwork("192.0.2.0/24")), "192.0.2.0/24");
    assert.equal(networkText(parseNetwork("2001:DB8:0:0::/64")), "2001:db8::/64");
    assert.equal(networkText(parseNetwork("2001:db8::1")), "2001:db8::1/128");
    assert.throws(() => parseNetwork("192.0.2.1/24"), /has host bits set/);
    assert.throws(() => parseNetwork("2001:db8::1/64"), /has host bits set/);
    assert.throws(() => parseNetwork("192.0.2.0/x"), /prefix length 0..32/);
    assert.throws(() => parseNetwork("example.com"), /does not appear to be an IPv4 or IPv6 address/);
  });

  it("expands a network into its addresses, network and broadcast included", () => {
    assert.deepEqual(hostNetworks(parseNetwork("192.0.2.254/31")).map(networkText), [
      "192.0.2.254/32",
      "192.0.2.255/32",
    ]);
    assert.deepEqual(hostNetworks(parseNetwork("10.0.0.252/30")).map(networkText), [
      "10.0.0.252/32",
      "10.0.0.253/32",
      "10.0.0.254/32",
      "10.0.0.255/32",
    ]);
    assert.deepEqual(hostNetworks(parseNetwork("10.0.0.255/32")).map(networkText), ["10.0.0.255/32"]);
    assert.deepEqual(hostNetworks(parseNetwork("2001:db8::fe/127")).map(networkText), [
      "2001:db8::fe/128",
      "2001:db8::ff/128",
    ]);
    assert.equal(hostNetworks(parseNetwork("10.1.0.0/16")).length, 65536);
    assert.equal(networkText(hostNetworks(parseNetwork("10.1.0.0/16"))[300]), "10.1.1.44/32");
    assert.throws(() => hostNetworks(parseNetwork("2001:db8::/64")), /more than the 65536/);
  });

  it("knows loopback networks", () => {
    assert.equal(isLoopback(parseNetwork("127.0.0.0/8")), true);
    assert.equal(isLoopback(parseNetwork("127.1.2.3")), true);
    assert.equal(isLoopback(parseNetwork("::1")), true);
    assert.equal(isLoopback(parseNetwork("192.0.2.1")), false);
    assert.equal(isLoopback(parseNetwork("::2")), false);
  });
});

// What `ip -o address show dev lo` prints on Linux: one line per address, "\" where the details wrap.
const IP_OUTPUT = [
  "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever",
  "1: lo    inet 192.0.2.1/32 scope global lo:web1\\       valid_lft forever preferred_lft forever",
  "1: lo    inet 192.0.2.2/32 scope global lo:webfront\\       valid_lft forever preferred_lft forever",
  "1: lo    inet 192.0.2.3/32 scope global lo\\       valid_lft forever preferred_lft forever",
  "1: lo    inet 198.51.100.7/24 scope global lo\\       valid_lft forever preferred_lft forever",
  "1: lo    inet6 2001:db8::1/128 scope global \\       valid_lft forever preferred_lft forever",
  "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever",
].join("\n");

describe("healthcheck ip setup: reading the interfaces", () => {
  it("keeps non-loopback addresses with their labels, skips host-bit ones as ExaBGP does", () => {
    const got = parseIpAddressShow(IP_OUTPUT, ["lo"]).map((a) =>
      `${networkText(a.network)} ${a.label ?? "-"}`
    );
    assert.deepEqual(got, [
      "192.0.2.1/32 web1",
      "192.0.2.2/32 webfront",
      "192.0.2.3/32 -",
      "2001:db8::1/128 -",
    ]);
  });

  it("selects by label prefix, or exactly with --label-exact-match", () => {
    const all = parseIpAddressShow(IP_OUTPUT, ["lo"]);
    assert.deepEqual(matchingAddresses(all, { labelExactMatch: false }).map(networkText), [
      "192.0.2.1/32",
      "192.0.2.2/32",
      "192.0.2.3/32",
      "2001:db8::1/128",
    ]);
    assert.deepEqual(matchingAddresses(all, { label: "web", labelExactMatch: false }).map(networkText), [
      "192.0.2.1/32",
      "192.0.2.2/32",
    ]);
    assert.deepEqual(matchingAddresses(all, { label: "web1", labelExactMatch: true }).map(networkText), [
      "192.0.2.1/32",
    ]);
  });
});

function plan(o: Omit<Partial<PlanOptions>, "ips"> & { ips: string[] }): PlanOptions {
  return {
    ipIfnames: new Map(),
    sudo: false,
    labelExactMatch: false,
    ...o,
    ips: o.ips.map(parseNetwork),
  };
}

describe("healthcheck ip setup: plans", () => {
  it("adds the missing addresses of each --ip network on the loopback", () => {
    const present = [parseNetwork("192.0.2.1")];
    assert.deepEqual(planSetup(plan({ ips: ["192.0.2.1", "10.0.0.0/31"] }), present), [
      ["ip", "address", "add", "10.0.0.0/32", "dev", "lo"],
      ["ip", "address", "add", "10.0.0.1/32", "dev", "lo"],
    ]);
  });

  it("labels the addresses, uses --ip-ifname interfaces and sudo", () => {
    const o = plan({
      ips: ["192.0.2.1", "192.0.2.9"],
      label: "web",
      sudo: true,
      ipIfnames: new Map([["192.0.2.9/32", "eth1"]]),
    });
    assert.deepEqual(planSetup(o, []), [
      ["sudo", "ip", "address", "add", "192.0.2.1/32", "dev", "lo", "label", "lo:web"],
      ["sudo", "ip", "address", "add", "192.0.2.9/32", "dev", "eth1", "label", "eth1:web"],
    ]);
  });

  it("removes only the addresses that are there", () => {
    const present = [parseNetwork("192.0.2.1"), parseNetwork("203.0.113.5")];
    assert.deepEqual(planRemove(plan({ ips: ["192.0.2.1", "192.0.2.2"] }), present), [
      ["ip", "address", "delete", "192.0.2.1/32", "dev", "lo"],
    ]);
  });
});

class RecordingExecutor implements IpExecutor {
  readonly ran: string[] = [];
  constructor(readonly privileged: boolean, readonly output: string, readonly code = 0) {}
  list(ifname: string): Promise<string> {
    this.ran.push(`list ${ifname}`);
    return Promise.resolve(this.output);
  }
  run(argv: readonly string[]): Promise<number | null> {
    this.ran.push(argv.join(" "));
    return Promise.resolve(this.code);
  }
}

function recordingLog() {
  const lines: string[] = [];
  return {
    lines,
    log: {
      info: (m: string) => lines.push(`INFO ${m}`),
      warn: (m: string) => lines.push(`WARNING ${m}`),
      debug: () => {},
    },
  };
}

describe("healthcheck ip setup: the manager", () => {
  it("without privileges, says what it would run and runs nothing", async () => {
    const exec = new RecordingExecutor(false, IP_OUTPUT);
    const { lines, log } = recordingLog();
    await new AddressManager(plan({ ips: ["192.0.2.1", "192.0.2.50"] }), exec, log).setup();
    assert.deepEqual(exec.ran, ["list lo"]);
    assert.deepEqual(lines, [
      "WARNING not root (use --sudo or --no-ip-setup): would run: ip address add 192.0.2.50/32 dev lo",
    ]);
  });

  it("privileged, runs the plan; add's exit code 2 (already there) is not an error, others are reported", async () => {
    const exec = new RecordingExecutor(true, IP_OUTPUT, 2);
    const { lines, log } = recordingLog();
    const m = new AddressManager(plan({ ips: ["192.0.2.3", "192.0.2.50"] }), exec, log);
    await m.setup();
    assert.deepEqual(exec.ran, ["list lo", "ip address add 192.0.2.50/32 dev lo"]);
    assert.deepEqual(lines, []);
    await m.remove();
    assert.deepEqual(exec.ran.slice(2), ["list lo", "ip address delete 192.0.2.3/32 dev lo"]);
    assert.deepEqual(lines, [
      "WARNING unable to remove the address: ip address delete 192.0.2.3/32 dev lo exited with 2",
    ]);
  });

  it("lists the --ip-ifname interfaces too", async () => {
    const exec = new RecordingExecutor(true, "");
    const { log } = recordingLog();
    const o = plan({ ips: ["192.0.2.9"], ipIfnames: new Map([["192.0.2.9/32", "eth1"]]) });
    await new AddressManager(o, exec, log).setup();
    assert.deepEqual(exec.ran, ["list lo", "list eth1", "ip address add 192.0.2.9/32 dev eth1"]);
  });
});
