/**
 * Invalid variants of the conformance configurations, one family's syntax at a time: a valid etc/ file is
 * mutated once (a misspelt keyword, a bad value, a missing value) and must be rejected with an error that
 * names FILE:LINE of the faulty line and says what was expected there. The unmutated files are valid
 * (all of them, checked here in-process; tests/cli/validate.test.ts runs `tsbgp validate` on them as a user
 * does), and one test runs `tsbgp validate` on every mutant to check the same FILE:LINE reaches stderr.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../lib/config/exabgp.ts";
import { parseConfigText, validateConfig } from "../../lib/config/load.ts";
import { makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { REPO_ROOT, runCli } from "../helpers/speaker.ts";

const ETC = `${REPO_ROOT}conformance/exabgp-5.0/etc`;
const read = (file: string) => readFileSync(join(ETC, file), "utf8");

interface Variant {
  /** The family or syntax the mutation is about. */
  readonly syntax: string;
  readonly defect: "bad keyword" | "bad value" | "missing value";
  readonly file: string;
  /** Replaced exactly once; `line` is the first line of the result holding `at`. */
  readonly from: string;
  readonly to: string;
  readonly at: string;
  /** What the message must say was expected (and usually what was found). */
  readonly expected: RegExp;
}

const FLOW_REDIRECT =
  "source-port >1024;\n\t\t\t\tprotocol [ udp tcp ];\n\t\t\t}\n\t\t\tthen {\n\t\t\t\tredirect 65500";
const VPN_ROUTE =
  "route 20.0.0.0/24 rd 65000:1 next-hop 200.10.0.101 extended-community [ 0x0002fde800000001 0x0002271000000001 ] label 1000";

const VARIANTS: readonly Variant[] = [
  // flow { route { match { … } then { … } } } (RFC 8955)
  {
    syntax: "flow match",
    defect: "bad keyword",
    file: "conf-flow.conf",
    from: FLOW_REDIRECT,
    to: FLOW_REDIRECT.replace("source-port", "source-prot"),
    at: "source-prot",
    expected: /unknown keyword 'source-prot' in a flow 'match' block, expected one of: .*source-port/,
  },
  {
    syntax: "flow match",
    defect: "bad value",
    file: "conf-flow.conf",
    from: FLOW_REDIRECT,
    to: FLOW_REDIRECT.replace(">1024", ">>1024"),
    at: ">>1024",
    expected: /'source-port' expects operators and values such as =80.*got '>>1024'/,
  },
  {
    syntax: "flow match",
    defect: "missing value",
    file: "conf-flow.conf",
    from: "protocol tcp;\n\t\t\t}\n\t\t\tthen {\n\t\t\t\tdiscard;\n\t\t\t\tcommunity",
    to: "protocol;\n\t\t\t}\n\t\t\tthen {\n\t\t\t\tdiscard;\n\t\t\t\tcommunity",
    at: "protocol;",
    expected: /'protocol' expects a value, got nothing/,
  },
  {
    syntax: "flow then",
    defect: "bad keyword",
    file: "conf-flow.conf",
    from: "redirect 1.2.3.4;",
    to: "redirekt 1.2.3.4;",
    at: "redirekt",
    expected: /unknown keyword 'redirekt' in a flow 'then' block, expected one of: .*redirect/,
  },
  {
    syntax: "flow then",
    defect: "bad value",
    file: "conf-flow.conf",
    from: "redirect 65500:12345;",
    to: "redirect 65500:;",
    at: "redirect 65500:;",
    expected: /'redirect' expects asn:n, ip:n or an IP address, got '65500:'/,
  },
  {
    syntax: "flow then",
    defect: "missing value",
    file: "conf-flow.conf",
    from: "rate-limit 9600;",
    to: "rate-limit;",
    at: "rate-limit;",
    expected: /'rate-limit' expects a value, got nothing/,
  },
  {
    syntax: "flow-vpn rd",
    defect: "bad value",
    file: "conf-flow.conf",
    from: "route first-vpn-route {\n\t\t\trd 65535:65536;",
    to: "route first-vpn-route {\n\t\t\trd 65535;",
    at: "rd 65535;",
    expected: /'rd' expects asn:n or ip:n, got '65535'/,
  },
  // l2vpn { vpls … } (RFC 4761)
  {
    syntax: "vpls",
    defect: "bad keyword",
    file: "conf-l2vpn.conf",
    from: "offset 1;",
    to: "offsett 1;",
    at: "offsett",
    expected: /'offsett'.*a vpls route expects endpoint, base, offset, size, rd/,
  },
  {
    syntax: "vpls",
    defect: "bad value",
    file: "conf-l2vpn.conf",
    from: "endpoint 5;",
    to: "endpoint five;",
    at: "endpoint five",
    expected: /'endpoint' expects a number 0\.\.65535, got 'five'/,
  },
  {
    syntax: "vpls",
    defect: "missing value",
    file: "conf-l2vpn.conf",
    from: "size 8;\n\n",
    to: "size;\n\n",
    at: "size;",
    expected: /'size' expects a value, got nothing/,
  },
  {
    syntax: "l2vpn family",
    defect: "bad keyword",
    file: "conf-l2vpn.conf",
    from: "l2vpn vpls;",
    to: "l2vpn vplss;",
    at: "vplss",
    expected: /'l2vpn vplss' is not a known family, expected l2vpn vpls\|evpn/,
  },
  {
    syntax: "evpn family",
    defect: "bad keyword",
    file: "conf-l2vpn.conf",
    from: "l2vpn vpls;",
    to: "l2vpn vpls;\n\t\tl2vpn evpnn;",
    at: "evpnn",
    expected: /'l2vpn evpnn' is not a known family, expected l2vpn vpls\|evpn/,
  },
  // announce { ipv4 { mcast-vpn … } } (RFC 6514)
  {
    syntax: "mvpn",
    defect: "bad keyword",
    file: "conf-mvpn.conf",
    from: "mcast-vpn shared-join rp 10.99.199.1",
    to: "mcast-vpn shared-joins rp 10.99.199.1",
    at: "shared-joins",
    expected: /'mcast-vpn' expects source-ad, shared-join or source-join, got 'shared-joins'/,
  },
  {
    syntax: "mvpn",
    defect: "bad value",
    file: "conf-mvpn.conf",
    from: "source 10.99.12.2 group 239.251.255.228",
    to: "source 10.99.12.2 group 239.251.255.999",
    at: "239.251.255.999",
    expected: /'group' expects an IPv4 address, got '239\.251\.255\.999'/,
  },
  {
    syntax: "mvpn",
    defect: "missing value",
    file: "conf-mvpn.conf",
    from: "source 10.99.12.4 group 239.251.255.228 rd 65000:99999 next-hop",
    to: "source 10.99.12.4 group 239.251.255.228 next-hop",
    at: "source 10.99.12.4",
    expected: /a source-ad route expects 'rd', got none/,
  },
  // announce { ipv4 { mup … } } (draft-mpmz-bess-mup-safi)
  {
    syntax: "mup",
    defect: "bad keyword",
    file: "conf-srv6-mup.conf",
    from: "mup-dsd 10.0.0.1 rd",
    to: "mup-dsx 10.0.0.1 rd",
    at: "mup-dsx",
    expected: /'mup' expects mup-isd, mup-dsd, mup-t1st or mup-t2st, got 'mup-dsx'/,
  },
  {
    syntax: "mup",
    defect: "bad value",
    file: "conf-srv6-mup.conf",
    from: "mup-t1st 192.168.0.1/32 rd 100:100 teid 12345 qfi 9",
    to: "mup-t1st 192.168.0.1/32 rd 100:100 teid 12345 qfi nine",
    at: "qfi nine",
    expected: /'qfi' expects a number 0\.\.255, got 'nine'/,
  },
  {
    syntax: "mup",
    defect: "missing value",
    file: "conf-srv6-mup.conf",
    from: "mup-isd 10.0.1.0/24 rd 100:100",
    to: "mup-isd rd 100:100",
    at: "mup-isd rd",
    expected: /a mup-isd route expects an IPv4 prefix first, got 'rd'/,
  },
  {
    syntax: "bgp-prefix-sid-srv6",
    defect: "bad keyword",
    file: "conf-prefix-sid-srv6.conf",
    from: "bgp-prefix-sid-srv6 ( l3-service 2001:1:0:0:: );",
    to: "bgp-prefix-sid-srv6 ( l3-servic 2001:1:0:0:: );",
    at: "l3-servic",
    expected: /'bgp-prefix-sid-srv6' expects l3-service or l2-service, got 'l3-servic'/,
  },
  {
    syntax: "bgp-prefix-sid",
    defect: "bad value",
    file: "conf-prefix-sid.conf",
    from: "bgp-prefix-sid [ 777 ]",
    to: "bgp-prefix-sid [ x777 ]",
    at: "x777",
    expected: /'bgp-prefix-sid' expects a number 0\.\.4294967295, got 'x777'/,
  },
  // route … rd … label … (RFC 4364, RFC 8277)
  {
    syntax: "rd",
    defect: "bad value",
    file: "conf-vpn.conf",
    from: "route 10.0.0.0/24 rd 65000:1 next-hop",
    to: "route 10.0.0.0/24 rd 65000:x next-hop",
    at: "65000:x",
    expected: /'rd' expects asn:n or ip:n, got '65000:x'/,
  },
  {
    syntax: "rd",
    defect: "missing value",
    file: "conf-vpn.conf",
    from: "route 10.0.0.0/24 rd 65000:1 next-hop",
    to: "route 10.0.0.0/24 rd next-hop",
    at: "route 10.0.0.0/24 rd next-hop",
    expected: /'rd' expects asn:n or ip:n, got 'next-hop'/,
  },
  {
    syntax: "label",
    defect: "bad value",
    file: "conf-vpn.conf",
    from: VPN_ROUTE,
    to: VPN_ROUTE.replace("label 1000", "label 1048576"),
    at: "label 1048576",
    expected: /'label' expects a label 0\.\.1048575, got '1048576'/,
  },
  {
    syntax: "label",
    defect: "missing value",
    file: "conf-vpn.conf",
    from: VPN_ROUTE,
    to: VPN_ROUTE.replace("label 1000", "label"),
    at: "route 20.0.0.0/24",
    expected: /'label' expects a label 0\.\.1048575, got 'split'/,
  },
  // route attributes (RFC 4271 §5, RFC 1997, 4360, 8092, 4456, 7911, ExaBGP's split and attribute)
  {
    syntax: "route attributes",
    defect: "bad value",
    file: "conf-split.conf",
    from: "route 172.10.0.0/22 next-hop 192.0.2.1 med 200",
    to: "route 172.10.0.0/22 next-hop 192.0.2.1 med two",
    at: "med two",
    expected: /'med' expects a number 0\.\.4294967295, got 'two'/,
  },
  {
    syntax: "route attributes",
    defect: "missing value",
    file: "conf-aggregator.conf",
    from: "next-hop 192.168.1.254;",
    to: "next-hop;",
    at: "next-hop;",
    expected: /'next-hop' expects an IP address or 'self', got the end of the route/,
  },
  {
    syntax: "as-path",
    defect: "bad value",
    file: "conf-aggregator.conf",
    from: "as-path [ 57821 6939 ]",
    to: "as-path [ 57821 x6939 ]",
    at: "x6939",
    expected: /'as-path' expects an AS number, got 'x6939'/,
  },
  {
    syntax: "aggregator",
    defect: "missing value",
    file: "conf-aggregator.conf",
    from: "aggregator ( 18144:219.118.225.189 )",
    to: "aggregator ( 18144 )",
    at: "aggregator",
    expected: /'aggregator' expects asn:ip, got '18144'/,
  },
  {
    syntax: "originator-id",
    defect: "bad value",
    file: "conf-parity.conf",
    from: "originator-id 57.35.2.240;",
    to: "originator-id 57.35.2;",
    at: "originator-id 57.35.2;",
    expected: /'originator-id' expects an IPv4 address, got '57\.35\.2'/,
  },
  {
    syntax: "community",
    defect: "bad value",
    file: "conf-split.conf",
    from: "med 200 community [174:666]",
    to: "med 200 community [174:6666666]",
    at: "174:6666666",
    expected: /'community' expects a:b, a number or a well-known name, got '174:6666666'/,
  },
  {
    syntax: "extended-community",
    defect: "bad value",
    file: "conf-l2vpn.conf",
    from: "extended-community [ target:54591:6 l2info:19:0:1500:111];\n\t\t\toriginator",
    to: "extended-community [ target:54591:6 l2info:19:0];\n\t\t\toriginator",
    at: "l2info:19:0]",
    expected:
      /'extended-community' expects target:A:N, origin:A:N, 0x… or another known form, got 'l2info:19:0'/,
  },
  {
    syntax: "large-community",
    defect: "bad value",
    file: "conf-largecommunity.conf",
    from: "large-community [ 2914:0:666 2914:3320:123 ];",
    to: "large-community [ 2914:0 2914:3320:123 ];",
    at: "large-community [ 2914:0 ",
    expected: /'large-community' expects a:b:c, got '2914:0'/,
  },
  {
    syntax: "path-information",
    defect: "bad value",
    file: "conf-path-information.conf",
    from: "path-information 0.0.0.1;",
    to: "path-information 0.0.1;",
    at: "path-information 0.0.1;",
    expected: /'path-information' expects an IPv4 address or a number, got '0\.0\.1'/,
  },
  {
    syntax: "attribute (generic)",
    defect: "missing value",
    file: "conf-generic-attribute.conf",
    from: "attribute [0x04 0x80 0x00000064];",
    to: "attribute [0x04 0x80];",
    at: "attribute [0x04 0x80];",
    expected: /'attribute' expects \[ 0xTYPE 0xFLAGS 0xPAYLOAD \], got '0x04 0x80'/,
  },
  {
    syntax: "split",
    defect: "bad value",
    file: "conf-split.conf",
    from: "community [174:666] split /24;",
    to: "community [174:666] split 24;",
    at: "split 24;",
    expected: /'split' expects \/length, got '24'/,
  },
  // the neighbor, its families and capabilities
  {
    syntax: "neighbor",
    defect: "bad keyword",
    file: "conf-largecommunity.conf",
    from: "local-as",
    to: "local-ass",
    at: "local-ass",
    expected: /'local-ass' is not a valid keyword in 'neighbor', expected one of: .*local-as/,
  },
  {
    syntax: "family",
    defect: "bad value",
    file: "conf-flow.conf",
    from: "ipv4 flow-vpn;",
    to: "ipv4 flow-vpm;",
    at: "flow-vpm",
    expected: /'ipv4 flow-vpm' is not a known family, expected ipv4 unicast\|.*flow-vpn/,
  },
  {
    syntax: "add-path",
    defect: "bad value",
    file: "conf-addpath.conf",
    from: "add-path send/receive;",
    to: "add-path sendreceive;",
    at: "sendreceive",
    expected: /'add-path' expects disable, send, receive or send\/receive, got 'sendreceive'/,
  },
];

/** The mutant's text, the mutation applied exactly once. */
function mutant(v: Variant): { text: string; line: number } {
  const original = read(v.file);
  assert.equal(original.split(v.from).length, 2, `'${v.from}' occurs once in ${v.file}`);
  const text = original.replace(v.from, v.to);
  const line = text.split("\n").findIndex((l) => l.includes(v.at)) + 1;
  assert.ok(line > 0, `'${v.at}' is in the mutant of ${v.file}`);
  return { text, line };
}

/** The name a mutant is given (and reported under). */
const nameOf = (v: Variant, i: number) => `${String(i).padStart(2, "0")}-${v.file}`;

describe("the conformance configurations are valid", () => {
  it("all etc/*.conf parse and pass the semantic checks", () => {
    const files = readdirSync(ETC).filter((f) => f.endsWith(".conf")).sort();
    // The issue and the suite's README say 88; the suite as vendored (and its shared copy) holds 86.
    assert.equal(files.length, 86);
    const problems = files.flatMap((f) => {
      try {
        return validateConfig(parseConfigText(read(f), f));
      } catch (e) {
        return [String(e)];
      }
    });
    assert.deepEqual(problems, []);
  });
});

describe("invalid variants are rejected at FILE:LINE with what was expected", () => {
  VARIANTS.forEach((v, i) => {
    it(`${v.syntax}: ${v.defect} (${v.file}: '${v.to.split("\n")[0].trim()}')`, () => {
      assert.deepEqual(
        validateConfig(parseConfigText(read(v.file), v.file)),
        [],
        "the unmutated file is valid",
      );
      const { text, line } = mutant(v);
      const file = nameOf(v, i);
      assert.throws(() => parseConfigText(text, file), (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.file, file);
        assert.equal(e.line, line, e.message);
        assert.ok(e.message.startsWith(`${file}:${line}: `), e.message);
        assert.match(e.detail, v.expected);
        return true;
      });
    });
  });

  it("covers each family's syntax with the three kinds of defect", () => {
    const kinds = (s: string) => new Set(VARIANTS.filter((v) => v.syntax.startsWith(s)).map((v) => v.defect));
    for (
      const syntax of ["flow match", "flow then", "vpls", "mvpn", "mup", "rd", "label", "route attributes"]
    ) {
      assert.ok(kinds(syntax).size >= 2, syntax);
    }
    for (const syntax of ["flow match", "flow then", "vpls", "mvpn", "mup"]) {
      assert.equal(kinds(syntax).size, 3, syntax);
    }
  });
});

describe("tsbgp validate on the mutants (subprocess)", () => {
  let dir: string;
  before(() => (dir = makeTempDir("invalid-variants")));
  after(() => removeTempDir(dir));

  it("refuses each with its FILE:LINE on stderr", { timeout: 60_000 }, async () => {
    const files = VARIANTS.map((v, i) => {
      const { text, line } = mutant(v);
      const path = join(dir, nameOf(v, i));
      writeFileSync(path, text);
      return { path, line, v };
    });
    const r = await runCli(["validate", ...files.map((f) => f.path)], { timeoutMs: 50_000 });
    assert.notEqual(r.code, 0);
    for (const f of files) {
      const reported = r.stderr.split("\n").find((l) => l.startsWith(`${f.path}:`));
      assert.ok(reported, `nothing about ${f.path} in:\n${r.stderr}`);
      assert.ok(reported.startsWith(`${f.path}:${f.line}: `), reported);
      assert.match(reported, f.v.expected);
    }
  });
});
