/**
 * The API `help` answer (issue 3): built from the parser's command tables, it names every command word the
 * parser accepts — the flow, vpls, teardown-with-text and show options included — and each listed command
 * is one the parser recognises.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CommandError, commandHelp, parseCommand } from "../../../lib/api/command.ts";
import { dispatch, type DispatchTarget } from "../../../lib/api/dispatch.ts";

const help = commandHelp();
/** The command lines (the first line explains the selector prefix). */
const commands = help.slice(1).map((l) => l.trim());

/** The literal words a help line starts with (up to the first placeholder, option or choice). */
function literalWords(line: string): string[] {
  const words: string[] = [];
  for (const w of line.split(" ")) {
    if (/[<>\[\]{}|…]/.test(w) || w === "#") break;
    words.push(w);
  }
  return words;
}

describe("help", () => {
  it("is the dispatcher's answer", () => {
    const target: DispatchTarget = {
      neighbors: () => [],
      shutdown() {},
      reload() {},
      restart() {},
      apiVersion: "5.0.0",
    };
    const outcome = dispatch("help", { kind: "control" }, target);
    assert.equal(outcome.ok, true);
    assert.deepEqual([...outcome.output], help);
  });

  it("lists the commands the old answer left out", () => {
    for (
      const expected of [
        /^announce flow route /,
        /^withdraw flow route /,
        /^announce vpls endpoint /,
        /^announce l2vpn vpls /,
        /^announce ipv4 .*\bflow\b.*\bflow-vpn\b.*\bmcast-vpn\b|^announce ipv4 .*\bmcast-vpn\b.*\bflow\b/,
        /^announce operational /,
        /^teardown <subcode> \[<shutdown communication text>\]$/,
        /^show neighbor \[<ip>\] \[summary\|extensive\|configuration\] \[json\]$/,
        /^show adj-rib in\|out \[extensive\] \[inet\|flow\|l2vpn\] \[<ip>\] \[json\]$/,
        /^reset$/,
        /^# <comment>$/,
        /^debug <text>$/,
      ]
    ) {
      assert.ok(commands.some((l) => expected.test(l)), `${expected} not in:\n${help.join("\n")}`);
    }
    assert.match(help[0], /^\[neighbor <ip> \[local-ip <ip>\].*<command>/);
  });

  it("lists only commands the parser recognises", () => {
    for (const line of commands) {
      const words = literalWords(line);
      assert.ok(words.length > 0 || line.startsWith("#"), line);
      if (line.startsWith("#")) {
        assert.equal(parseCommand("# a comment").kind, "comment");
        continue;
      }
      if (words[0] === "debug") {
        assert.equal(parseCommand("debug some text").kind, "debug");
        continue;
      }
      // The command words alone: accepted, or refused for what follows the command's own words (announce,
      // withdraw and show take a second one), which the error names.
      const depth = ["announce", "withdraw", "show"].includes(words[0]) ? 2 : 1;
      try {
        parseCommand(words.join(" "));
      } catch (e) {
        assert.ok(e instanceof CommandError, `${line}: ${e}`);
        const named = e.command.split(" ");
        assert.ok(named.length >= depth, `${line}: ${e.message}`);
        assert.deepEqual(named, words.slice(0, named.length), `${line}: ${e.message}`);
      }
    }
  });

  it("lists every command word the parser accepts", () => {
    const firstWords = new Set(commands.map((l) => l.split(" ")[0]));
    // Each of these is a command (some refuse to run without arguments, none is unknown).
    for (const word of firstWords) {
      if (word === "#" || word === "debug") continue; // read before the words are (parseCommand)
      try {
        parseCommand(word);
      } catch (e) {
        assert.doesNotMatch((e as Error).message, /expected a command/, word);
      }
    }
    // And an unknown word's error lists the same first words as help.
    const e = (() => {
      try {
        parseCommand("frobnicate");
      } catch (e) {
        return e as Error;
      }
      assert.fail("frobnicate was accepted");
    })();
    const listed = /expected a command \(([^)]*)\)/.exec(e.message)![1].split(", ");
    assert.deepEqual(new Set(listed), new Set([...firstWords].filter((w) => w !== "#" && w !== "debug")));
  });
});
