/**
 * Labeled (nlri-mpls, RFC 8277) and VPN (mpls-vpn, RFC 4364) routes need a label to be announced, as ExaBGP's
 * AnnounceLabel.check requires; a withdrawal may omit it (it goes out with 0x800000, RFC 8277 §2.4). The
 * API and the configuration share the route grammar, so both refuse it, naming the command or FILE:LINE.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CommandError, parseCommand } from "../../../lib/api/command.ts";
import { parseExabgpConfig } from "../../../lib/config/exabgp.ts";
import { ConfigError } from "../../../lib/config/error.ts";
import { familyKey, SAFI } from "../../../lib/bgp/family.ts";
import type { LabeledNlri } from "../../../lib/bgp/types.ts";

const UNLABELED_ANNOUNCES: [line: string, command: string, family: string][] = [
  ["announce route 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1", "announce route", "ipv4 mpls-vpn"],
  ["announce ipv4 nlri-mpls 1.4.0.0/16 next-hop 101.1.101.1", "announce ipv4 nlri-mpls", "ipv4 nlri-mpls"],
  [
    "announce ipv4 labeled-unicast 1.4.0.0/16 next-hop 101.1.101.1",
    "announce ipv4 labeled-unicast",
    "ipv4 nlri-mpls",
  ],
  [
    "announce ipv4 mpls-vpn 1.4.0.0/16 rd 65000:1 next-hop 101.1.101.1",
    "announce ipv4 mpls-vpn",
    "ipv4 mpls-vpn",
  ],
  [
    "announce ipv6 mpls-vpn 2001:db8::/32 rd 1.2.3.4:5 next-hop ::1",
    "announce ipv6 mpls-vpn",
    "ipv6 mpls-vpn",
  ],
  [
    "neighbor 127.0.0.1 announce attributes rd 65000:1 next-hop 10.0.0.1 nlri 1.4.0.0/16 1.5.0.0/16",
    "announce attributes",
    "ipv4 mpls-vpn",
  ],
];

function refusal(line: string): CommandError {
  try {
    parseCommand(line);
  } catch (e) {
    assert.ok(e instanceof CommandError, `${line}: ${e}`);
    return e;
  }
  assert.fail(`accepted without a label: ${line}`);
}

describe("labeled and VPN routes without a label", () => {
  for (const [line, command, family] of UNLABELED_ANNOUNCES) {
    it(`refuses: ${line}`, () => {
      const e = refusal(line);
      assert.equal(e.command, command);
      assert.equal(
        e.message,
        `${command}: an announced ${family} route expects 'label <n>', got none (only a withdrawal may omit it)`,
      );
    });
  }

  it("accepts the same announces with a label", () => {
    for (const [line] of UNLABELED_ANNOUNCES) {
      const labeled = line.replace(" next-hop ", " label 100 next-hop ");
      const cmd = parseCommand(labeled);
      assert.equal(cmd.kind, "announce-route", labeled);
      if (cmd.kind !== "announce-route") continue;
      // RFC 3032: label 100 as 20 bits, bottom of stack set: 0x000641.
      for (const r of cmd.routes) assert.deepEqual([...(r.nlri as LabeledNlri).labels], [0x00, 0x06, 0x41]);
    }
  });

  it("accepts withdrawals without a label: an empty stack, the RD kept", () => {
    const vpn = parseCommand("withdraw route 1.4.0.0/16 rd 65000:1");
    assert.equal(vpn.kind, "withdraw-route");
    if (vpn.kind !== "withdraw-route") return;
    const n = vpn.routes[0].nlri as LabeledNlri;
    assert.equal(n.family, familyKey(1, SAFI["mpls-vpn"]));
    assert.equal(n.labels.length, 0);
    // RFC 4364 §4.2 type 0: 2-octet AS 65000 (0xFDE8), number 1.
    assert.deepEqual([...n.rd!], [0, 0, 0xfd, 0xe8, 0, 0, 0, 1]);

    const mpls = parseCommand("withdraw ipv4 nlri-mpls 1.4.0.0/16");
    assert.equal(mpls.kind, "withdraw-route");
    if (mpls.kind === "withdraw-route") {
      assert.equal(mpls.routes[0].nlri.family, familyKey(1, SAFI["nlri-mpls"]));
    }
    assert.equal(
      parseCommand("withdraw attributes rd 65000:1 nlri 1.4.0.0/16 1.5.0.0/16").kind,
      "withdraw-route",
    );
  });

  it("refuses it in a configuration too, at its line", () => {
    const text = `neighbor 127.0.0.1 {
  local-as 65000;
  peer-as 65000;
  announce {
    ipv4 {
      nlri-mpls 1.4.0.0/16 next-hop 101.1.101.1;
    }
  }
}
`;
    assert.throws(
      () => parseExabgpConfig(text, "labels.conf"),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.message === "labels.conf:6: an announced ipv4 nlri-mpls route expects 'label <n>', got none " +
            "(only a withdrawal may omit it)",
    );
  });
});
