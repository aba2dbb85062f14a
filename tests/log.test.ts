/**
 * lib/log.ts: a message is printed as written. LogTape reads `{name}` as a placeholder; the helpers' JSON
 * events copied to stderr (README "The API") and peer strings are full of braces.
 */
import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { getLogger, setupLogging } from "../lib/log.ts";

describe("log", () => {
  afterEach(() => setupLogging({ level: "error", write: () => {} }));

  it("prints braces, doubled braces and JSON as written", () => {
    const lines: string[] = [];
    setupLogging({ level: "debug", write: (l) => lines.push(l) });
    const log = getLogger("processes");
    const json = '{ "exabgp": "5.0.0", "neighbor": { "address": { "local": "127.0.0.2" } } }';
    log.info(`process print: ${json}`);
    log.warn("a}{b {{c}} {d}");
    log.debug("no braces");
    assert.equal(lines.length, 3);
    assert.ok(lines[0].endsWith(` processes process print: ${json}`), lines[0]);
    assert.ok(lines[1].endsWith(" a}{b {{c}} {d}"), lines[1]);
    assert.ok(lines[2].endsWith(" no braces"), lines[2]);
  });
});
