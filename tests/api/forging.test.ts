/**
 * Peer-controlled strings cannot forge or break an API event line (issue #7; ExaBGP 5.0.11/5.0.13 fixed
 * hostnames and shutdown texts that did). The strings start as bytes on the wire — the hostname and
 * domain of the FQDN capability (73), the software version capability (75), the RFC 9003 shutdown
 * communication of a Cease, printable NOTIFICATION data, unknown attribute bytes — full of newlines,
 * quotes, backslashes, NULs, invalid UTF-8, U+2028/2029 and forged event text. For each, both encoders:
 * - JSON: one line, that parses, and gives the decoded string back exactly;
 * - text: every line is the encoder's own (`neighbor <peer> …`), nothing else breaks a line, and the
 *   quoted word gives the (lower-cased, as ExaBGP prints it) string back.
 * The last block does the same through a speaker subprocess and two helper processes.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonEncoder, type NeighborContext } from "../../lib/api/json.ts";
import { TextEventEncoder } from "../../lib/api/text.ts";
import { decodeMessage } from "../../lib/bgp/message/codec.ts";
import { DEFAULT_CONTEXT, type Message, type OpenMessage } from "../../lib/bgp/types.ts";
import { E2E, neighborBlock, PEER_AS, processBlock, readText, waitFor } from "../helpers/e2e.ts";
import { FakePeer, message } from "../helpers/bgp_peer.ts";
import { freePort } from "../helpers/sandbox.ts";

const utf8 = new TextEncoder();

/** Hostile payloads as bytes: what a peer can put in a length-prefixed string field. */
const PAYLOADS: readonly (readonly [string, Uint8Array])[] = [
  ["a forged JSON event after a newline", utf8.encode('x\n{ "exabgp": "5.0.0", "type": "update" }')],
  [
    "a forged text event after CR LF",
    utf8.encode("x\r\nneighbor 127.0.0.2 receive update announced 1.2.3.4/32"),
  ],
  ["quotes and braces closing the object", utf8.encode('q" } } { "forged": true, "a": "')],
  ["backslashes and an escaped quote", utf8.encode('back\\slash \\" \\n \\u0041')],
  [
    "NUL, ESC and other C0 controls",
    Uint8Array.from([0x6e, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x07, 0x08, 0x0b, 0x0c]),
  ],
  ["DEL and the C1 control NEL", utf8.encode("del\u007f nel\u0085 csi\u009b")],
  ["U+2028 and U+2029", utf8.encode("line\u2028sep\u2029para")],
  [
    "invalid UTF-8 (lone continuation, overlong, truncated)",
    Uint8Array.from([0x61, 0x80, 0xc0, 0xaf, 0xe2, 0x80, 0x0a, 0xff]),
  ],
  ["a lone surrogate encoded in UTF-8 (CESU)", Uint8Array.from([0xed, 0xa0, 0x80, 0x0a])],
  ["brackets, parentheses and commas of the text list", utf8.encode("a) b] c, d [ e ( f")],
  ["only a newline", Uint8Array.of(0x0a)],
];

const NEIGHBOR = (): NeighborContext => ({
  localAddress: "127.0.0.1",
  peerAddress: "127.0.0.2",
  localAs: 65000,
  peerAs: 65001,
  routerId: "192.0.2.1",
  counter: 0,
});

/** A line break for some line reader: LF, CR, VT, FF, FS, GS, RS, NEL, LS, PS (Python's splitlines()). */
// deno-lint-ignore no-control-regex
const BREAK = /[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const lengthPrefixed = (b: Uint8Array) => Uint8Array.from([b.length, ...b]);

/** An OPEN (RFC 4271 §4.2) carrying the FQDN capability (73) and the software version capability (75). */
function openWith(host: Uint8Array, domain: Uint8Array, version: Uint8Array, asn = 65001): Uint8Array {
  const caps = [
    [1, 4, 0, 1, 0, 1],
    [65, 4, 0, 0, asn >> 8, asn & 0xff],
    [73, 2 + host.length + domain.length, ...lengthPrefixed(host), ...lengthPrefixed(domain)],
    [75, 1 + version.length, ...lengthPrefixed(version)],
  ];
  const params = caps.flatMap((c) => [2, c.length, ...c]);
  return message(
    1,
    Uint8Array.from([4, asn >> 8, asn & 0xff, 0, 90, 192, 0, 2, 2, params.length, ...params]),
  );
}

/** Cease / Administrative Shutdown (6/2) with an RFC 9003 shutdown communication. */
const shutdown = (text: Uint8Array) => message(3, Uint8Array.from([6, 2, ...lengthPrefixed(text)]));

/** An UPDATE whose unknown optional transitive attribute (type 0xF0) carries the bytes. */
function updateWith(bytes: Uint8Array): Uint8Array {
  const attrs = [0x40, 1, 1, 0, 0x40, 2, 0, 0x40, 3, 4, 10, 0, 0, 1, 0xc0, 0xf0, bytes.length, ...bytes];
  return message(2, Uint8Array.from([0, 0, 0, attrs.length, ...attrs, 8, 10]));
}

const decodeWire = (bytes: Uint8Array): Message =>
  decodeMessage(bytes[18], bytes.subarray(19), DEFAULT_CONTEXT);
const raw = (b: Uint8Array) => ({ header: b.subarray(0, 19), body: b.subarray(19) });

/** Both encoders' events for a received message. */
function events(bytes: Uint8Array): { json: string; text: string; msg: Message } {
  const msg = decodeWire(bytes);
  const json = new JsonEncoder({ host: "h", pid: 1, ppid: 1, clock: () => 0 });
  const text = new TextEventEncoder({ pid: 1, ppid: 1 });
  const r = raw(bytes);
  const pick = (e: JsonEncoder | TextEventEncoder) =>
    msg.type === "open"
      ? e.open(NEIGHBOR(), "receive", msg, r)
      : msg.type === "notification"
      ? e.notification(NEIGHBOR(), "receive", msg, r)
      : msg.type === "update"
      ? e.update(NEIGHBOR(), "receive", msg, undefined, r)
      : assert.fail(`unexpected ${msg.type}`);
  return { json: pick(json), text: pick(text), msg };
}

/** The JSON event is one line and parses. */
function parsedJson(line: string): Record<string, any> {
  assert.doesNotMatch(line, BREAK, `JSON event with a line break: ${JSON.stringify(line)}`);
  assert.doesNotMatch(line, CONTROL, `JSON event with a raw control character: ${JSON.stringify(line)}`);
  return JSON.parse(line);
}

/** Every text line is the encoder's own; the event ends with its one newline. */
function textLines(event: string): string[] {
  assert.ok(event.endsWith("\n"), JSON.stringify(event));
  const lines = event.slice(0, -1).split("\n");
  for (const line of lines) {
    assert.ok(
      line.startsWith("neighbor 127.0.0.2 receive "),
      `a line not the encoder's: ${JSON.stringify(line)}`,
    );
    assert.doesNotMatch(line, BREAK, JSON.stringify(line));
    assert.doesNotMatch(line, CONTROL, JSON.stringify(line));
  }
  return lines;
}

/** Reads a text-event word back: bare, or quoted with the escapes of lib/api/escape.ts. */
function unquote(word: string): string {
  if (!word.startsWith('"')) return word;
  assert.ok(word.endsWith('"') && word.length >= 2, word);
  return word.slice(1, -1).replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|.)/g, (_, e: string) => {
    if (e[0] === "x" || e[0] === "u") return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: "\n", r: "\r", t: "\t" } as Record<string, string>)[e] ?? e;
  });
}

/** The words of `s` after `from`, a quoted word (with escapes) counting as one. */
function words(s: string): string[] {
  return s.match(/"(?:[^"\\]|\\.)*"|[^\s()]+/g) ?? [];
}

describe("peer strings from the wire cannot forge or break an event (both encoders)", () => {
  const fallback = utf8.encode("plain");
  for (const [name, payload] of PAYLOADS) {
    it(`hostname, domain, software version: ${name}`, () => {
      for (
        const [host, domain, version] of [[payload, fallback, fallback], [fallback, payload, fallback], [
          fallback,
          fallback,
          payload,
        ]]
      ) {
        const { json, text, msg } = events(openWith(host, domain, version));
        const open = msg as OpenMessage;
        const fqdn = open.capabilities.find((c) => c.name === "hostname");
        const software = open.capabilities.find((c) => c.name === "software-version");
        assert.ok(fqdn?.name === "hostname" && software?.name === "software-version", JSON.stringify(open));
        // JSON: the decoded strings come back exactly (an empty one is null, as ExaBGP prints it).
        const caps = parsedJson(json).neighbor.open.capabilities;
        assert.equal(caps["73"]["host-name"], fqdn.hostname === "" ? null : fqdn.hostname);
        assert.equal(caps["73"]["domain-name"], fqdn.domain === "" ? null : fqdn.domain);
        assert.equal(caps["75"].software, software.version);
        // Text: one line; the words inside hostname( … ) and software( … ) read back.
        const [line] = textLines(text);
        const hostPart = /hostname\((.*)\), software\(/.exec(line);
        assert.ok(hostPart, line);
        const back = words(hostPart[1]).map(unquote);
        const shown = (s: string) => (s === "" ? "none" : s.toLowerCase());
        assert.deepEqual(back, [shown(fqdn.hostname), shown(fqdn.domain)], line);
        const versionPart = /software\((.*)\)\] header /.exec(line);
        assert.ok(versionPart, line);
        assert.equal(unquote(versionPart[1]), shown(software.version), line);
      }
    });

    it(`shutdown communication (RFC 9003): ${name}`, () => {
      const { json, text } = events(shutdown(payload));
      const m = parsedJson(json).neighbor.notification.message as string;
      let valid: string | undefined;
      try {
        valid = new TextDecoder("utf-8", { fatal: true }).decode(payload);
      } catch {
        valid = undefined;
      }
      // Valid UTF-8: the text, line breaks shown as spaces as ExaBGP does; invalid: refused, shown as hex.
      if (valid === undefined) assert.match(m, /^invalid Shutdown Communication \(invalid UTF-8\)/);
      else assert.equal(m, `Shutdown Communication: "${valid.replace(/[\r\n]/g, " ")}"`);
      assert.equal(textLines(text).length, 1);
    });

    it(`printable or binary NOTIFICATION data and unknown attribute bytes: ${name}`, () => {
      const n = events(message(3, Uint8Array.from([3, 1, ...payload])));
      parsedJson(n.json);
      assert.equal(textLines(n.text).length, 1);
      const u = events(updateWith(payload));
      const attribute = parsedJson(u.json).neighbor.message.update.attribute;
      assert.ok(
        JSON.stringify(attribute).includes(
          Array.from(payload, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase(),
        ),
      );
      textLines(u.text);
    });
  }
});

// ------------------------------------------------------------------------------------------------------
// Through a speaker: its helpers read the events of a peer whose OPEN and NOTIFICATION are hostile

describe("hostile peer strings through a speaker process and its helpers", () => {
  const t = new E2E("e2e-forging");
  after(() => t.close());

  it("every line a json and a text helper read is one whole event", { timeout: 60_000 }, async () => {
    const forgedHost = 'evil\n{ "exabgp": "5.0.0", "type": "update" }';
    const forgedVersion = 'v1"\r\nneighbor 127.0.0.2 receive update announced 6.6.6.6/32';
    const forgedShutdown = 'bye\n{ "type": "state", "state": "up" }\u2028';
    // The peer answers with a hostile OPEN, then (once the session is up) shuts it down with a hostile text.
    t.port = await freePort();
    t.peer = await FakePeer.listen({
      port: t.port,
      asn: PEER_AS,
      holdTime: 9,
      open: openWith(
        utf8.encode(forgedHost),
        utf8.encode("example.net"),
        utf8.encode(forgedVersion),
        PEER_AS,
      ),
    });
    const jsonOut = t.path("json.out"), textOut = t.path("text.out");
    const api = `  api {\n    processes [ hj ht ];\n    receive { parsed; open; notification; }\n  }\n`;
    t.writeConf(
      processBlock("hj", t.script("hj.sh", `exec cat > ${jsonOut}`), "json") +
        processBlock("ht", t.script("ht.sh", `exec cat > ${textOut}`), "text") +
        neighborBlock({ port: t.port, extra: api }),
    );
    const speaker = t.start();
    await t.established();
    await t.peer.until(
      () => (t.peer.connections[0]?.keepalives.length ?? 0) > 0,
      15_000,
      () => speaker.output,
    );
    t.peer.connections[0].socket.write(shutdown(utf8.encode(forgedShutdown)));
    const seen = () =>
      readText(jsonOut).includes('"notification"') && readText(textOut).includes(" notification ");
    await waitFor(
      seen,
      15_000,
      () => `json:\n${readText(jsonOut)}\ntext:\n${readText(textOut)}\n${speaker.output}`,
    );

    const jsonLines = readText(jsonOut).split("\n").filter((l) => l !== "");
    const parsed = jsonLines.map(parsedJson);
    const open = parsed.find((e) => e.type === "open")!;
    assert.equal(open.neighbor.open.capabilities["73"]["host-name"], forgedHost);
    assert.equal(open.neighbor.open.capabilities["75"].software, forgedVersion);
    const note = parsed.find((e) => e.type === "notification")!;
    assert.equal(
      note.neighbor.notification.message,
      `Shutdown Communication: "${forgedShutdown.replace(/\n/g, " ")}"`,
    );
    assert.ok(!parsed.some((e) => e.type === "update"), "a forged update event");

    const textLinesRead = readText(textOut).split("\n").filter((l) => l !== "");
    for (const line of textLinesRead) {
      assert.match(
        line,
        /^neighbor 127\.0\.0\.1 /,
        `a line the speaker did not write: ${JSON.stringify(line)}`,
      );
      assert.doesNotMatch(line, BREAK);
    }
    // The forged text survives only escaped, inside the quoted software word of the open event.
    assert.ok(!textLinesRead.some((l) => /^neighbor \S+ receive update/.test(l)), readText(textOut));
    const openLine = textLinesRead.find((l) => / receive open /.test(l))!;
    assert.ok(openLine.includes('software("v1\\"\\r\\nneighbor 127.0.0.2 receive update'), openLine);
  });
});
