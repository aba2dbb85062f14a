/**
 * The Wire → JSON scenario's API helper: reads the speaker's JSON events on stdin, parses every line (as a
 * real consumer must), counts UPDATE events and announced prefixes, and writes its progress as JSON to a
 * status file (replaced atomically every 100 ms, and at once when the expected count is reached). It never
 * writes to stdout: that is the speaker's command channel.
 *
 *   bun json_counter.ts STATUS_FILE EXPECTED_PREFIXES PIDFILE
 *
 * Works with ExaBGP 5.0 events (tsbgp: `"announce": {"ipv4 unicast": {"NH": [{"nlri": "P"}, …]}}`) and
 * ExaBGP 4.2 events (the same, or plain strings in the lists).
 */
import { renameSync, writeFileSync } from "node:fs";

const [statusFile, expectedText, pidFile] = process.argv.slice(2);
const expected = Number(expectedText);
if (!statusFile || !(expected > 0) || !pidFile) {
  process.stderr.write("usage: json_counter.ts STATUS_FILE EXPECTED_PREFIXES PIDFILE\n");
  process.exit(2);
}
writeFileSync(pidFile, `${process.pid}\n`); // the bench stops helpers by PID

const now = () => performance.timeOrigin + performance.now();
const status = {
  lines: 0,
  updates: 0,
  prefixes: 0,
  badLines: 0,
  upAt: undefined as number | undefined,
  firstUpdateAt: undefined as number | undefined,
  doneAt: undefined as number | undefined,
};

function publish(): void {
  writeFileSync(`${statusFile}.tmp`, JSON.stringify(status));
  renameSync(`${statusFile}.tmp`, statusFile);
}

type Json = Record<string, unknown>;

function countAnnounced(announce: Json): number {
  let n = 0;
  for (const byNextHop of Object.values(announce)) {
    if (byNextHop === null || typeof byNextHop !== "object") continue;
    for (const list of Object.values(byNextHop as Json)) if (Array.isArray(list)) n += list.length;
  }
  return n;
}

function event(line: string): void {
  status.lines++;
  let e: Json;
  try {
    e = JSON.parse(line) as Json;
  } catch {
    status.badLines++;
    return;
  }
  const neighbor = e.neighbor as Json | undefined;
  if (e.type === "state" && neighbor?.state === "up") status.upAt ??= now();
  if (e.type !== "update") return;
  const update = (neighbor?.message as Json | undefined)?.update as Json | undefined;
  const announce = update?.announce as Json | undefined;
  if (!announce) return;
  status.updates++;
  status.firstUpdateAt ??= now();
  status.prefixes += countAnnounced(announce);
  if (status.doneAt === undefined && status.prefixes >= expected) {
    status.doneAt = now();
    publish();
  }
}

let partial = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
  const lines = (partial + chunk).split("\n");
  partial = lines.pop()!;
  for (const line of lines) if (line !== "") event(line);
});
process.stdin.on("end", () => {
  publish();
  process.exit(0);
});
publish();
setInterval(publish, 100);
