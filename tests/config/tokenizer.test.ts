import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LexError, tokenize } from "../../lib/config/tokenizer.ts";
import { shellWords, ShellWordsError } from "../../lib/config/shell_words.ts";

const words = (text: string) => tokenize(text).map((t) => t.text);

describe("configuration tokenizer (ExaBGP §5.1 lexical rules)", () => {
  it("separates words on whitespace and makes [ ] ( ) , ; { } tokens", () => {
    assert.deepEqual(words("a [b,c] (d);{e}"), [
      "a",
      "[",
      "b",
      ",",
      "c",
      "]",
      "(",
      "d",
      ")",
      ";",
      "{",
      "e",
      "}",
    ]);
  });
  it("removes quotes and keeps what they enclose as one word", () => {
    const t = tokenize(`description "a quagga; {peer}" 'x # y';`);
    assert.deepEqual(t.map((x) => x.text), ["description", "a quagga; {peer}", "x # y", ";"]);
    assert.deepEqual(t.map((x) => x.quoted), [false, true, true, false]);
  });
  it("drops comments to the end of the line", () => {
    assert.deepEqual(words("a; # b c;\nd;#e\n"), ["a", ";", "d", ";"]);
  });
  it("joins lines ending with a backslash and keeps line numbers", () => {
    const t = tokenize("vpls \\\n  rd 1:1 \\\n  size 8;\nnext;");
    assert.deepEqual(t.map((x) => x.text), ["vpls", "rd", "1:1", "size", "8", ";", "next", ";"]);
    assert.deepEqual(t.map((x) => x.line), [1, 2, 2, 3, 3, 3, 4, 4]);
  });
  it("a backslash glued to a word before the end of the line is a continuation too", () => {
    assert.deepEqual(words("size 8\\\nx;"), ["size", "8", "x", ";"]);
  });
  it("records offsets into the source", () => {
    const src = "run ./x.sh --a 'b c';";
    const t = tokenize(src);
    assert.equal(src.slice(t[1].start, t[3].end), "./x.sh --a 'b c'");
  });
  it("an unterminated quote is an error with its line", () => {
    assert.throws(() => tokenize('a;\nb "c;\n'), (e: unknown) => e instanceof LexError && e.line === 2);
  });
});

describe("shell words", () => {
  it("splits like a POSIX shell", () => {
    assert.deepEqual(shellWords(`a 'b c' "d\\"e" f\\ g  ''`), ["a", "b c", 'd"e', "f g", ""]);
  });
  it("keeps single-quoted backslashes and dollar signs literally (no expansion)", () => {
    assert.deepEqual(shellWords(`echo '\\n' $HOME "$x"`), ["echo", "\\n", "$HOME", "$x"]);
  });
  it("joins a backslash-newline", () => {
    assert.deepEqual(shellWords("a \\\n b"), ["a", "b"]);
  });
  it("rejects open quotes", () => {
    assert.throws(() => shellWords(`a "b`), ShellWordsError);
    assert.throws(() => shellWords(`a 'b`), ShellWordsError);
  });
});
