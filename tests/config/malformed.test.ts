import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseExabgpConfig } from "../../lib/config/exabgp.ts";
import { readEtc } from "./wire.ts";

/** The 1-based line of the first line containing `needle` (in the mutated text). */
function lineOf(text: string, needle: string): number {
  const i = text.split("\n").findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `'${needle}' is in the text`);
  return i + 1;
}

/** Replaces exactly one occurrence, so that a mutation cannot silently do nothing. */
function mutate(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `'${from}' occurs once`);
  return text.replace(from, to);
}

function rejects(text: string, file: string, line: number, detail: RegExp): void {
  assert.throws(() => parseExabgpConfig(text, file), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.file, file);
    assert.equal(e.line, line, e.message);
    assert.ok(e.message.startsWith(`${file}:${line}: `), e.message);
    assert.match(e.detail, detail);
    return true;
  });
}

describe("malformed configurations are rejected at the right FILE:LINE", () => {
  const ebgp = readEtc("conf-ebgp.conf");
  const template = readEtc("conf-template.conf");
  const api = readEtc("api-open.conf");

  it("a dropped ';' between two statements", () => {
    const bad = mutate(ebgp, "local-as 65533;", "local-as 65533");
    rejects(
      bad,
      "conf-ebgp.conf",
      lineOf(bad, "local-as 65533"),
      /'local-as' expects .*got '65533 peer-as 65000' \(missing ';'\?\)/,
    );
  });
  it("a dropped ';' before a block", () => {
    const bad = mutate(ebgp, "hold-time 180;", "hold-time 180");
    rejects(bad, "conf-ebgp.conf", lineOf(bad, "hold-time 180"), /'hold-time' is a statement/);
  });
  it("a dropped ';' between two routes", () => {
    const group = readEtc("conf-group.conf");
    const bad = mutate(group, "route 2.0.0.0/8 next-hop 1.1.1.1;", "route 2.0.0.0/8 next-hop 1.1.1.1");
    rejects(bad, "g.conf", lineOf(bad, "route 2.0.0.0/8"), /unknown route attribute 'route'.*missing ';'/);
  });
  it("a misspelt keyword", () => {
    const bad = mutate(ebgp, "peer-as 65000;", "peer-ass 65000;");
    rejects(
      bad,
      "conf-ebgp.conf",
      lineOf(bad, "peer-ass"),
      /^'peer-ass' is not a valid keyword in 'neighbor', expected one of: .*peer-as/,
    );
  });
  it("a misspelt capability and family", () => {
    const cap = mutate(api, "route-refresh enable;", "route-refrsh enable;");
    rejects(
      cap,
      "api-open.conf",
      lineOf(cap, "route-refrsh"),
      /'route-refrsh' is not a valid keyword in 'capability'/,
    );
    const fam = mutate(ebgp, "ipv4 unicast;", "ipv4 unicst;");
    rejects(fam, "conf-ebgp.conf", lineOf(fam, "unicst"), /'ipv4 unicst' is not a known family/);
  });
  it("a bad IP address", () => {
    const bad = mutate(ebgp, "router-id 10.0.0.2;", "router-id 10.0.0.256;");
    rejects(
      bad,
      "conf-ebgp.conf",
      lineOf(bad, "router-id"),
      /^'router-id' expects an IPv4 address, got '10\.0\.0\.256'$/,
    );
    const nh = mutate(ebgp, "next-hop 10.0.1.254", "next-hop 10.0.1");
    rejects(
      nh,
      "conf-ebgp.conf",
      lineOf(nh, "next-hop 10.0.1"),
      /'next-hop' expects an IP address or 'self', got '10\.0\.1'/,
    );
    const peer = mutate(ebgp, "neighbor 127.0.0.1 {", "neighbor 127.0.0 {");
    rejects(peer, "conf-ebgp.conf", 1, /'neighbor' expects an IP address or prefix, got '127\.0\.0'/);
  });
  it("a bad AS number", () => {
    const big = mutate(ebgp, "local-as 65533;", "local-as 4294967296;");
    rejects(
      big,
      "conf-ebgp.conf",
      lineOf(big, "local-as"),
      /^'local-as' expects an AS number 0\.\.4294967295, got '4294967296'$/,
    );
    const word = mutate(ebgp, "peer-as 65000;", "peer-as sixty;");
    rejects(
      word,
      "conf-ebgp.conf",
      lineOf(word, "peer-as"),
      /'peer-as' expects an AS number .* or 'auto', got 'sixty'/,
    );
  });
  it("a bad hold time, worded as in the brief", () => {
    const bad = mutate(ebgp, "hold-time 180;", "hold-time abc;");
    rejects(
      bad,
      "conf.conf",
      lineOf(bad, "hold-time"),
      /^'hold-time' expects a number 0 or 3\.\.65535, got 'abc'$/,
    );
    const two = mutate(ebgp, "hold-time 180;", "hold-time 2;");
    rejects(two, "conf.conf", lineOf(two, "hold-time"), /got '2'/);
  });
  it("an unclosed brace inside a neighbor", () => {
    const bad = mutate(ebgp, "\t\tipv4 unicast;\n\t}", "\t\tipv4 unicast;\n");
    rejects(
      bad,
      "conf-ebgp.conf",
      lineOf(bad, "announce {"),
      /^'announce' is not a valid keyword in 'family'/,
    );
  });
  it("an undefined template", () => {
    const bad = mutate(template, "inherit test;", "inherit tset;");
    rejects(
      bad,
      "conf-template.conf",
      lineOf(bad, "inherit tset"),
      /^'inherit' names an undefined template 'tset', expected one of: test$/,
    );
  });
  it("an api block naming an undefined keyword, a process without encoder", () => {
    const sub = mutate(api, "\t\t\tconsolidate;", "\t\t\tconsolidated;");
    rejects(
      sub,
      "api-open.conf",
      lineOf(sub, "consolidated"),
      /'consolidated' is not a valid keyword in 'receive'/,
    );
    const enc = mutate(api, "\tencoder json;\n", "");
    rejects(enc, "api-open.conf", 1, /process 'announce-routes' expects 'encoder', got none/);
  });
  it("a statement left without ';' at the end of the file, an unterminated quote", () => {
    rejects(
      ebgp + "\nprocess",
      "conf-ebgp.conf",
      lineOf(ebgp + "\nprocess", "process"),
      /'process' is not terminated/,
    );
    const q = mutate(ebgp, "router-id 10.0.0.2;", 'router-id "10.0.0.2;');
    rejects(q, "conf-ebgp.conf", lineOf(q, "router-id"), /unterminated double quote/);
  });
  it("a block where a statement is expected and the reverse", () => {
    const block = mutate(ebgp, "local-as 65533;", "local-as { 65533; }");
    rejects(block, "conf-ebgp.conf", lineOf(block, "local-as"), /'local-as' is a statement/);
    const stmt = mutate(ebgp, "\tfamily {\n\t\tipv4 unicast;\n\t}\n", "\tfamily ipv4;\n");
    rejects(stmt, "conf-ebgp.conf", lineOf(stmt, "family ipv4"), /'family' expects a '\{ … \}' block/);
  });
  it("a route with a bad attribute inside a route block names the attribute's line", () => {
    const bad = mutate(
      template,
      "\t\t\tnext-hop 1.1.1.1;\n\t\t}",
      "\t\t\tnext-hop 1.1.1.1;\n\t\t\tmed high;\n\t\t}",
    );
    rejects(bad, "conf-template.conf", lineOf(bad, "med high"), /'med' expects a number/);
  });
  it("a route without next-hop", () => {
    const bad = mutate(template, "route 4.0.0.0/8 next-hop 2.2.2.2;", "route 4.0.0.0/8 med 1;");
    rejects(bad, "conf-template.conf", lineOf(bad, "route 4.0.0.0/8"), /expects a 'next-hop'/);
  });
});

describe("templates", () => {
  it("errors in a template no neighbor inherits are reported", () => {
    const text =
      "template {\n  neighbor unused {\n    hold-time 1;\n  }\n}\nneighbor 127.0.0.1 { local-as 1; peer-as 1; }\n";
    assert.throws(
      () => parseExabgpConfig(text, "u.conf"),
      /^ConfigError: u\.conf:3: 'hold-time'|u\.conf:3: 'hold-time'/,
    );
  });
  it("a template inheriting itself is an error", () => {
    const text = "template {\n  neighbor a {\n    inherit a;\n  }\n}\n";
    assert.throws(() => parseExabgpConfig(text, "l.conf"), /l\.conf:3: template 'a' inherits itself/);
  });
  it("several templates: later statements override, routes concatenate", () => {
    const text = `template {
  neighbor one { local-as 1; hold-time 30; static { route 10.0.0.0/8 next-hop 1.1.1.1; } }
  neighbor two { local-as 2; static { route 11.0.0.0/8 next-hop 1.1.1.1; } }
}
neighbor 127.0.0.1 { inherit one two; peer-as 5; static { route 12.0.0.0/8 next-hop 1.1.1.1; } }
`;
    const nb = parseExabgpConfig(text, "m.conf").neighbors[0];
    assert.equal(nb.localAs, 2);
    assert.equal(nb.holdTime, 30);
    assert.equal(nb.peerAs, 5);
    assert.deepEqual(nb.routes.map((r) => (r.nlri as { bytes: Uint8Array }).bytes[0]), [10, 11, 12]);
  });
});

describe("free text", () => {
  it("description and md5-password take quoted or unquoted words", () => {
    const text =
      `neighbor 10.0.0.1 {\n  description a quagga peer;\n  md5-password oh ! quotes are optional;\n}\n`;
    const nb = parseExabgpConfig(text, "d.conf").neighbors[0];
    assert.equal(nb.description, "a quagga peer");
    assert.equal(nb.md5Password, "oh ! quotes are optional");
    const quoted =
      parseExabgpConfig(`neighbor 10.0.0.1 { md5-password "my md5 of the day"; }`, "q.conf").neighbors[0];
    assert.equal(quoted.md5Password, "my md5 of the day");
  });
});
