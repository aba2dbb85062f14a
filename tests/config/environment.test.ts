import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EnvironmentError, optionName, parseEnvironment } from "../../lib/config/environment.ts";

describe("exabgp environment variables (§5.4)", () => {
  it("ExaBGP 5.0 defaults when nothing is set", () => {
    const env = parseEnvironment({ PATH: "/bin" });
    assert.equal(env.tcp.port, 179);
    assert.deepEqual(env.tcp.bind, []);
    assert.equal(env.tcp.attempts, 0);
    assert.equal(env.bgp.passive, false);
    assert.equal(env.bgp.openwait, 60);
    assert.equal(env.api.ack, true);
    assert.equal(env.api.encoder, "json");
    assert.equal(env.api.respawn, true);
    assert.equal(env.api.terminate, false);
    assert.equal(env.api.compact, false);
    assert.equal(env.log.level, "INFO");
    assert.equal(env.log.destination, "stdout");
    assert.equal(env.daemon.pid, "");
    assert.equal(env.version, undefined);
    assert.deepEqual(env.raw, {});
  });
  it("what the conformance runner sets (underscore spelling)", () => {
    const env = parseEnvironment({
      exabgp_tcp_port: "1790",
      exabgp_tcp_bind: "",
      exabgp_tcp_connections: "1",
      exabgp_version: "5.0.0-0+test",
    });
    assert.equal(env.tcp.port, 1790);
    assert.deepEqual(env.tcp.bind, []);
    assert.equal(env.tcp.attempts, 1);
    assert.equal(env.version, "5.0.0-0+test");
  });
  it("dotted spelling, lists, booleans, log options", () => {
    const env = parseEnvironment({
      "exabgp.tcp.bind": "127.0.0.1 ::1",
      "exabgp.bgp.passive": "true",
      "exabgp.api.ack": "false",
      "exabgp.api.encoder": "text",
      "exabgp.log.level": "debug",
      "exabgp.log.destination": "stderr",
      "exabgp.log.packets": "true",
      "exabgp.daemon.pid": "/run/tsbgp.pid",
      "exabgp.daemon.umask": "0022",
    });
    assert.deepEqual(env.tcp.bind, ["127.0.0.1", "::1"]);
    assert.equal(env.bgp.passive, true);
    assert.equal(env.api.ack, false);
    assert.equal(env.api.encoder, "text");
    assert.equal(env.log.level, "DEBUG");
    assert.equal(env.log.destination, "stderr");
    assert.equal(env.log.topics.packets, true);
    assert.equal(env.log.topics.configuration, true);
    assert.equal(env.daemon.pid, "/run/tsbgp.pid");
    assert.equal(env.daemon.umask, 0o22);
  });
  it("the dotted spelling wins over the underscore one", () => {
    assert.equal(parseEnvironment({ "exabgp.tcp.port": "1000", exabgp_tcp_port: "2000" }).tcp.port, 1000);
  });
  it("keeps other options as text", () => {
    const env = parseEnvironment({
      "exabgp.api.show-routes-format": "v2",
      exabgp_bgp_paths_limit_audit: "false",
    });
    assert.equal(env.raw["api.show-routes-format"], "v2");
    assert.equal(env.raw["bgp.paths_limit_audit"], "false");
  });
  it("names options", () => {
    assert.equal(optionName("exabgp_tcp_port"), "tcp.port");
    assert.equal(optionName("EXABGP.TCP.PORT"), "tcp.port");
    assert.equal(optionName("exabgp_version"), "version");
    assert.equal(optionName("HOME"), undefined);
  });
  it("rejects bad values naming the variable", () => {
    assert.throws(
      () => parseEnvironment({ exabgp_tcp_port: "http" }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.message === "exabgp_tcp_port: expects a number 1..65535, got 'http'",
    );
    assert.throws(
      () => parseEnvironment({ "exabgp.api.ack": "maybe" }),
      /exabgp\.api\.ack: expects true or false/,
    );
    assert.throws(() => parseEnvironment({ exabgp_api_encoder: "xml" }), /expects json or text/);
    assert.throws(() => parseEnvironment({ exabgp_log_level: "LOUD" }), /exabgp_log_level/);
  });
  it("tcp.once means one attempt", () => {
    assert.equal(parseEnvironment({ exabgp_tcp_once: "true" }).tcp.attempts, 1);
  });
});
