/** Peer-controlled strings can neither break nor forge an event line (lesson 8 of the brief). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hex, jsonString, jsonStringOrNull, textEscape, textQuoted, textWord } from "../../lib/api/escape.ts";
import { HOSTILE, UNSAFE } from "./fixtures.ts";

describe("jsonString", () => {
  it("round-trips every hostile string through JSON.parse", () => {
    for (const s of HOSTILE) assert.equal(JSON.parse(jsonString(s)), s, JSON.stringify(s));
  });

  it("leaves no control character, C1 control or Unicode line separator raw", () => {
    for (const s of HOSTILE) assert.doesNotMatch(jsonString(s), UNSAFE, JSON.stringify(s));
  });

  it("escapes the characters RFC 8259 §7 requires and the separators JSON.stringify leaves raw", () => {
    assert.equal(jsonString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(jsonString("\u0000"), '"\\u0000"');
    assert.equal(jsonString("\u2028"), '"\\u2028"');
    assert.equal(jsonString("\u0085"), '"\\u0085"');
  });

  it("prints an unset string as null", () => {
    assert.equal(jsonStringOrNull(""), "null");
    assert.equal(jsonStringOrNull(undefined), "null");
    assert.equal(jsonStringOrNull("vm"), '"vm"');
  });
});

describe("text escaping", () => {
  it("keeps a plain word bare", () => {
    assert.equal(textWord("router-1.example.com"), "router-1.example.com");
    assert.equal(textWord("ExaBGP/5.0.0-0+test"), "ExaBGP/5.0.0-0+test");
  });

  it("quotes a word holding spaces, quotes, brackets, commas or line breaks", () => {
    assert.equal(textWord("a b"), '"a b"');
    assert.equal(textWord("x,y"), '"x,y"');
    assert.equal(textWord("a]b"), '"a]b"');
    assert.equal(textWord('say "hi"\n'), '"say \\"hi\\"\\n"');
    assert.equal(textWord(""), '""');
  });

  it("never leaves a raw line break or control character, and quotes stay balanced", () => {
    for (const s of HOSTILE) {
      for (const out of [textWord(s), textQuoted(s), textEscape(s)]) {
        assert.doesNotMatch(out, UNSAFE, JSON.stringify(s));
      }
      // Inside a quoted word every quote is escaped: only the two delimiters are bare.
      const quoted = textQuoted(s);
      assert.equal(quoted.replace(/\\./g, "").split('"').length - 1, 2, JSON.stringify(s));
    }
  });

  it("escapes control characters by name or code, keeping spaces in free text", () => {
    assert.equal(textEscape('peer reset\r\nby "x"'), 'peer reset\\r\\nby \\"x\\"');
    assert.equal(textEscape("\u0000\u001b\u0085"), "\\x00\\x1b\\x85");
    assert.equal(textEscape("\u2028"), "\\u2028");
  });
});

describe("hex", () => {
  it("is upper case, two digits a byte", () => {
    assert.equal(hex(new Uint8Array([0, 0x0f, 0xab, 0xff])), "000FABFF");
    assert.equal(hex(new Uint8Array(0)), "");
  });
});
