/**
 * `tsbgp healthcheck` option parsing (lib/healthcheck/options.ts): ExaBGP 5.0's names, aliases and
 * defaults, argparse's forms (`--opt=value`, `-i5`, unique prefixes, negative numbers as values), the
 * `--config` file (long names without dashes, read before the command line), and clear errors.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { networkText } from "../../lib/healthcheck/network.ts";
import {
  HealthcheckOptionError,
  type HealthcheckOptions,
  healthcheckUsage,
  parseHealthcheckArgs,
} from "../../lib/healthcheck/options.ts";

const noFile = (p: string): string => {
  throw new Error(`no such file: ${p}`);
};

function parse(args: string[], files: Record<string, string> = {}): HealthcheckOptions {
  const r = parseHealthcheckArgs(args, (p) => (p in files ? files[p] : noFile(p)));
  assert.equal(r.kind, "options");
  return (r as { options: HealthcheckOptions }).options;
}

function fails(args: string[], pattern: RegExp, files: Record<string, string> = {}): void {
  assert.throws(
    () => parseHealthcheckArgs(args, (p) => (p in files ? files[p] : noFile(p))),
    (e: unknown) => e instanceof HealthcheckOptionError && pattern.test(e.message),
    `expected an error matching ${pattern} for ${JSON.stringify(args)}`,
  );
}

describe("healthcheck options: defaults (ExaBGP 5.0)", () => {
  it("has ExaBGP's defaults when nothing is given", () => {
    const o = parse([]);
    assert.equal(o.interval, 5);
    assert.equal(o.fast, 1);
    assert.equal(o.timeout, 5);
    assert.equal(o.rise, 3);
    assert.equal(o.fall, 3);
    assert.equal(o.upMetric, 100);
    assert.equal(o.downMetric, 1000);
    assert.equal(o.disabledMetric, 500);
    assert.equal(o.increase, 1);
    assert.equal(o.localPreference, -1);
    assert.equal(o.startIp, 0);
    assert.equal(o.ipSetup, true);
    assert.equal(o.ipDynamic, false);
    assert.equal(o.withdrawOnDown, false);
    assert.equal(o.noAck, false);
    assert.equal(o.debounce, false);
    assert.equal(o.command, undefined);
    assert.equal(o.nextHop, undefined);
    assert.equal(o.pathId, undefined);
    assert.deepEqual(o.ips, []);
    assert.deepEqual(o.neighbors, []);
  });
});

describe("healthcheck options: names and forms", () => {
  const table: { args: string[]; check: (o: HealthcheckOptions) => void }[] = [
    { args: ["--cmd", "true"], check: (o) => assert.equal(o.command, "true") },
    {
      args: ["--command", "curl -sf http://x/"],
      check: (o) => assert.equal(o.command, "curl -sf http://x/"),
    },
    { args: ["-c", "true"], check: (o) => assert.equal(o.command, "true") },
    { args: ["--interval=0.5"], check: (o) => assert.equal(o.interval, 0.5) },
    { args: ["-i2"], check: (o) => assert.equal(o.interval, 2) },
    { args: ["-f", "0.2"], check: (o) => assert.equal(o.fast, 0.2) },
    { args: ["--fast", "0.1"], check: (o) => assert.equal(o.fast, 0.1) }, // unique prefix of --fast-interval
    { args: ["--withdraw"], check: (o) => assert.equal(o.withdrawOnDown, true) },
    { args: ["--disable", "/tmp/off"], check: (o) => assert.equal(o.disable, "/tmp/off") }, // exact beats prefix
    { args: ["-t", "0"], check: (o) => assert.equal(o.timeout, 0) },
    { args: ["--rise", "1", "--fall", "5"], check: (o) => assert.deepEqual([o.rise, o.fall], [1, 5]) },
    { args: ["--local-preference", "-1"], check: (o) => assert.equal(o.localPreference, -1) },
    { args: ["--start-ip", "-1"], check: (o) => assert.equal(o.startIp, -1) },
    {
      args: ["--no-ip-setup", "--dynamic-ip-setup"],
      check: (o) => assert.deepEqual([o.ipSetup, o.ipDynamic], [false, true]),
    },
    {
      args: ["-a", "-d", "-s"],
      check: (o) => assert.deepEqual([o.noAck, o.debug, o.silent], [true, true, true]),
    },
    { args: ["-sF"], check: (o) => assert.equal(o.syslogFacility, "daemon") },
    { args: ["-sF", "local0"], check: (o) => assert.equal(o.syslogFacility, "local0") },
    { args: ["-N", "2001:DB8:0::1"], check: (o) => assert.equal(o.nextHop, "2001:db8::1") },
    {
      args: ["--ip", "192.0.2.1", "--ip", "198.51.100.0/24", "--ip", "2001:DB8::1"],
      check: (o) =>
        assert.deepEqual(o.ips.map(networkText), ["192.0.2.1/32", "198.51.100.0/24", "2001:db8::1/128"]),
    },
    {
      args: ["--neighbor", "192.0.2.9", "--neighbor", "2001:db8::9"],
      check: (o) => assert.deepEqual(o.neighbors, ["192.0.2.9", "2001:db8::9"]),
    },
    {
      args: [
        "--up-execute",
        "a",
        "--up-execute",
        "b",
        "--execute",
        "c",
        "--down-execute",
        "d",
        "--disabled-execute",
        "e",
      ],
      check: (o) =>
        assert.deepEqual([o.upExecute, o.execute, o.downExecute, o.disabledExecute], [["a", "b"], ["c"], [
          "d",
        ], ["e"]]),
    },
    {
      args: ["--as-path", "65000", "--up-as-path", "1", "--down-as-path", "2", "--disabled-as-path", "3"],
      check: (o) =>
        assert.deepEqual([o.asPath, o.upAsPath, o.downAsPath, o.disabledAsPath], ["65000", "1", "2", "3"]),
    },
    {
      args: [
        "--community",
        "65000:1",
        "--extended-community",
        "target:65000:1",
        "--large-community",
        "1:2:3",
        "--disabled-community",
        "65000:666",
      ],
      check: (o) =>
        assert.deepEqual(
          [o.community, o.extendedCommunity, o.largeCommunity, o.disabledCommunity],
          ["65000:1", "target:65000:1", "1:2:3", "65000:666"],
        ),
    },
    {
      args: ["--path-id", "7", "--debounce", "--label", "web", "--label-exact-match"],
      check: (o) =>
        assert.deepEqual([o.pathId, o.debounce, o.label, o.labelExactMatch], [7, true, "web", true]),
    },
    {
      args: ["--ip", "192.0.2.1", "--ip-ifname", "192.0.2.1%eth0"],
      check: (o) => assert.deepEqual([...o.ipIfnames], [["192.0.2.1/32", "eth0"]]),
    },
    {
      args: ["--name", "web", "--pid", "/run/hc.pid", "--user", "nobody", "--group", "nogroup", "--sudo"],
      check: (o) =>
        assert.deepEqual([o.name, o.pid, o.user, o.group, o.sudo], [
          "web",
          "/run/hc.pid",
          "nobody",
          "nogroup",
          true,
        ]),
    },
    {
      args: ["--up-metric", "10", "--down-metric", "20", "--disabled-metric", "30", "--increase", "0"],
      check: (o) =>
        assert.deepEqual([o.upMetric, o.downMetric, o.disabledMetric, o.increase], [10, 20, 30, 0]),
    },
  ];
  for (const { args, check } of table) it(args.join(" "), () => check(parse(args)));

  it("answers help for --help and -h", () => {
    assert.deepEqual(parseHealthcheckArgs(["--ip", "192.0.2.1", "--help"], noFile), { kind: "help" });
    assert.deepEqual(parseHealthcheckArgs(["-h"], noFile), { kind: "help" });
  });

  it("lists every option the issue names in its usage text", () => {
    const usage = healthcheckUsage();
    for (
      const name of [
        "--cmd",
        "--ip",
        "--start-ip",
        "--name",
        "--interval",
        "--fast-interval",
        "--timeout",
        "--rise",
        "--fall",
        "--next-hop",
        "--community",
        "--large-community",
        "--extended-community",
        "--as-path",
        "--up-as-path",
        "--down-as-path",
        "--disabled-as-path",
        "--local-preference",
        "--up-metric",
        "--down-metric",
        "--disabled-metric",
        "--increase",
        "--withdraw-on-down",
        "--disable",
        "--path-id",
        "--neighbor",
        "--label",
        "--up-execute",
        "--down-execute",
        "--disabled-execute",
        "--debounce",
        "--no-ack",
        "--config",
        "--no-ip-setup",
        "--dynamic-ip-setup",
        "--sudo",
        "--ip-ifname",
        "--deaggregate-networks",
      ]
    ) assert.match(usage, new RegExp(`(^|[ ,])${name}[ ,\\n]`, "m"), `${name} missing from the usage`);
  });
});

describe("healthcheck options: errors say what was expected", () => {
  const table: [string[], RegExp][] = [
    [["--intervl", "3"], /unknown option '--intervl'/],
    [["--dis", "x"], /ambiguous option --dis, could match --disable, --disabled-metric/],
    [["--rise"], /option --rise expects N, got nothing/],
    [["--rise", "--fall", "2"], /option --rise expects N, got '--fall'/],
    [["--rise", "three"], /option --rise: expected an integer, got 'three'/],
    [["--timeout", "1.5"], /option --timeout: expected an integer, got '1.5'/],
    [["--interval", "-1"], /option --interval: expected a number of seconds ≥ 0, got '-1'/],
    [["--interval", "soon"], /option --interval: expected a number of seconds, got 'soon'/],
    [["--debug=yes"], /option --debug takes no value, got 'yes'/],
    [["--ip", "192.0.2.1/24"], /option --ip: '192.0.2.1\/24' has host bits set/],
    [["--ip", "192.0.2.300"], /option --ip: '192.0.2.300' does not appear to be an IPv4 or IPv6 address/],
    [["--ip", "10.0.0.0/33"], /prefix length 0..32 expected/],
    [["--next-hop", "self"], /option --next-hop: 'self' does not appear to be an IPv4 or IPv6 address/],
    [["--neighbor", "*"], /option --neighbor: '\*' does not appear to be an IPv4 or IPv6 address/],
    [["--silent", "--no-syslog"], /option --no-syslog is not allowed with --silent/],
    [["192.0.2.1"], /unexpected argument '192.0.2.1'/],
    [
      ["--ip", "192.0.2.1", "--ip-ifname", "192.0.2.2%eth0"],
      /no --ip 192.0.2.2\/32 is given for '192.0.2.2%eth0'/,
    ],
    [["--ip", "192.0.2.1", "--ip-ifname", "192.0.2.1"], /--ip-ifname expects <ip>%<ifname>, got '192.0.2.1'/],
    [
      ["--ip", "192.0.2.1", "--ip-ifname", "192.0.2.1%bad/name"],
      /expected an interface name, got 'bad\/name'/,
    ],
    [["--config", "/nowhere/hc.conf"], /option --config: cannot read '\/nowhere\/hc.conf'/],
  ];
  for (const [args, pattern] of table) it(args.join(" "), () => fails(args, pattern));
});

describe("healthcheck options: --config FILE", () => {
  const file = [
    "# a healthcheck for the web service",
    "debug",
    "name = web",
    "interval = 10",
    "  fast-interval = 2  ",
    "command = curl -sf http://127.0.0.1/ --max-time 2",
    "ip = 192.0.2.1",
    "withdraw-on-down",
    "",
    "local-preference = -1",
  ].join("\n");

  it("reads long option names without dashes, then lets the command line override and add", () => {
    const o = parse(["--config", "/etc/hc.conf", "--interval", "3", "--ip", "192.0.2.2"], {
      "/etc/hc.conf": file,
    });
    assert.equal(o.debug, true);
    assert.equal(o.name, "web");
    assert.equal(o.fast, 2);
    assert.equal(o.command, "curl -sf http://127.0.0.1/ --max-time 2");
    assert.equal(o.withdrawOnDown, true);
    assert.equal(o.localPreference, -1);
    assert.equal(o.interval, 3, "the command line wins over the file");
    assert.deepEqual(o.ips.map(networkText), ["192.0.2.1/32", "192.0.2.2/32"], "repeatable options add up");
    assert.equal(o.config, "/etc/hc.conf");
  });

  it("accepts -F and a value starting with a dash on a configuration line", () => {
    const o = parse(["-F", "/hc"], { "/hc": "command = -x\nrise = 1" });
    assert.equal(o.command, "-x");
    assert.equal(o.rise, 1);
  });

  it("names the file and line of a bad entry", () => {
    fails(["--config", "/hc"], /^\/hc:3: unknown option '--intervall'/, {
      "/hc": "name = a\n\nintervall = 3",
    });
    fails(["--config", "/hc"], /^\/hc:2: option --debug takes no value, got 'true'/, {
      "/hc": "# x\ndebug = true",
    });
    fails(["--config", "/hc"], /^\/hc:1: option --rise: expected an integer, got 'many'/, {
      "/hc": "rise = many",
    });
    fails(["--config", "/hc", "--silent"], /option --silent is not allowed with --no-syslog/, {
      "/hc": "no-syslog",
    });
  });
});
