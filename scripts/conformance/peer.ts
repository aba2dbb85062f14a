/**
 * The conformance test peer: listens on loopback, answers the speaker's OPEN with its own OPEN, and checks
 * that the speaker sends exactly the messages of a `.msg` file (conformance/exabgp-5.0/README.md).
 *
 * Standalone: `bun scripts/conformance/peer.ts TEST.msg [--port N] [--pid PID] [--timeout S]
 *   [--overall S] [--linger MS]` prints `listening on HOST PORT`, then the report; exit 0 on success.
 */
import * as net from "node:net";
import process from "node:process";
import { parseArgs } from "node:util";
import { groupLabel, type MsgFile, type MsgItem, type MsgSettings, msgSettings, readMsgFile } from "./msg.ts";
import {
  DEFAULT_ROUTE,
  describeNotification,
  echoOpen,
  formatHex,
  Framer,
  fromHex,
  hexTypeName,
  isEndOfRib,
  isRouteRefreshRequest,
  KEEPALIVE,
  MessageType,
  shutdownNotification,
  summarize,
  toHex,
  UNKNOWN_MESSAGE,
} from "./wire.ts";

export interface PeerOptions {
  readonly msg: MsgFile;
  /** Default: ::1 with option:bind:ipv6, else 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port (read it back from the handle). */
  readonly port?: number;
  /** The speaker's PID, for `signal:` actions (or set it later with `setSpeakerPid`). */
  readonly speakerPid?: number;
  /** Longest wait for the next message once a session exists. Default: option:timeout, else 3 s. */
  readonly messageTimeoutMs?: number;
  /** Bound on the whole test, including the speaker's start-up. Default 20 s. */
  readonly overallTimeoutMs?: number;
  /** Keep listening this long after the last group, so that extra messages are seen. Default 0. */
  readonly lingerMs?: number;
  /** How many past messages the failure report shows. Default 20. */
  readonly historySize?: number;
  /** How signals are delivered; default `process.kill`. */
  readonly sendSignal?: (pid: number, signal: string) => void;
  /** Progress lines (connections, messages), e.g. for a verbose standalone run. */
  readonly log?: (line: string) => void;
}

export interface PeerResult {
  readonly ok: boolean;
  readonly report: string;
}

export interface PeerHandle {
  readonly host: string;
  readonly port: number;
  readonly result: Promise<PeerResult>;
  setSpeakerPid(pid: number): void;
  /** Ends the test now; it fails with `reason` unless it already finished. */
  stop(reason: string): void;
}

/** One TCP session from the speaker. */
interface Session {
  /** A for the first connection, B for the next, … */
  readonly letter: string;
  readonly socket: net.Socket;
  readonly framer: Framer;
  opened: boolean;
  /** Every UPDATE received on this session, replayed on ROUTE-REFRESH. */
  readonly updates: Uint8Array[];
}

/** The groups still to match; the current group's remaining items in file order. */
class Plan {
  private index = 0;
  private remaining: MsgItem[];

  constructor(private readonly file: MsgFile) {
    this.remaining = [...(file.groups[0]?.items ?? [])];
    this.skipEmpty();
  }

  get done(): boolean {
    return this.index >= this.file.groups.length;
  }

  get group() {
    return this.file.groups[this.index];
  }

  get left(): readonly MsgItem[] {
    return this.remaining;
  }

  /** The action at the head of the current group, if any. */
  headAction(): MsgItem | undefined {
    const head = this.remaining[0];
    return head && head.kind !== "raw" ? head : undefined;
  }

  consumeHead(): void {
    this.remaining.shift();
    this.skipEmpty();
  }

  /** Removes the item of the current group this message matches; false when none does. */
  take(hex: string): boolean {
    const at = this.remaining.findIndex((item) => item.kind === "raw" && sameMessage(item.hex, hex));
    if (at < 0) return false;
    this.remaining.splice(at, 1);
    this.skipEmpty();
    return true;
  }

  private skipEmpty(): void {
    while (this.remaining.length === 0 && !this.done) {
      this.index++;
      this.remaining = [...(this.file.groups[this.index]?.items ?? [])];
    }
  }
}

const MARKER = "F".repeat(32);

/** An expectation written without the marker is compared without it, as ExaBGP's peer does. */
function sameMessage(expected: string, received: string): boolean {
  return expected.startsWith(MARKER) ? expected === received : expected === received.slice(32);
}

function describeItem(item: MsgItem): string {
  switch (item.kind) {
    case "raw":
      return `${hexTypeName(item.hex).padEnd(13)} ${formatHex(item.hex)}`;
    case "signal":
      return `signal ${item.name}`;
    case "notification":
      return `notification "${item.text}"`;
  }
}

export async function startPeer(options: PeerOptions): Promise<PeerHandle> {
  const settings: MsgSettings = msgSettings(options.msg);
  const host = options.host ?? (settings.ipv6 ? "::1" : "127.0.0.1");
  const messageTimeoutMs = options.messageTimeoutMs ?? (settings.timeoutS ?? 3) * 1000;
  const overallTimeoutMs = options.overallTimeoutMs ?? 20_000;
  const lingerMs = options.lingerMs ?? 0;
  const historySize = options.historySize ?? 20;
  const sendSignal = options.sendSignal ?? ((pid: number, signal: string) => process.kill(pid, signal));
  const log = options.log ?? (() => {});
  const plan = new Plan(options.msg);
  const sessions: Session[] = [];
  const history: string[] = [];
  let speakerPid = options.speakerPid;
  let matched = 0;
  let finished = false;
  let lingering = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let resolveResult!: (r: PeerResult) => void;
  const result = new Promise<PeerResult>((resolve) => (resolveResult = resolve));

  const note = (line: string) => {
    history.push(line);
    if (history.length > historySize) history.shift();
    log(line);
  };

  const expectationText = (): string => {
    if (plan.done) return "every group was matched";
    const lines = [
      `group ${groupLabel(plan.group)} still expects ${plan.left.length} message(s), any order:`,
    ];
    for (const item of plan.left) lines.push(`  ${describeItem(item)}`);
    return lines.join("\n");
  };

  const finish = (ok: boolean, headline: string, withContext: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(idleTimer);
    clearTimeout(overallTimer);
    server.close();
    // FIN after what was written (a NOTIFICATION just sent must reach the speaker), then close for good.
    for (const s of sessions) s.socket.end(() => s.socket.destroy());
    const parts = [headline];
    if (withContext) {
      parts.push(expectationText());
      if (history.length > 0) parts.push(`last ${history.length} event(s):`);
      for (const line of history) parts.push(`  ${line}`);
    }
    resolveResult({ ok, report: parts.join("\n") });
  };
  const fail = (headline: string) => finish(false, headline, true);

  const complete = () => {
    if (lingering || finished) return;
    if (lingerMs <= 0) return finish(true, `successful (${matched} message(s) matched)`, false);
    lingering = true;
    clearTimeout(idleTimer);
    setTimeout(() => finish(true, `successful (${matched} message(s) matched)`, false), lingerMs);
  };

  const armIdle = () => {
    if (lingering || finished) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () => fail(`timeout: no message from the speaker for ${messageTimeoutMs / 1000}s`),
      messageTimeoutMs,
    );
  };

  const overallTimer = setTimeout(
    () => fail(`timeout: the test did not finish within ${overallTimeoutMs / 1000}s`),
    overallTimeoutMs,
  );

  const concatBytes = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) (out.set(p, o), o += p.length);
    return out;
  };
  const send = (session: Session, bytes: Uint8Array) => {
    if (!session.socket.destroyed && session.socket.writable) session.socket.write(bytes);
  };

  /** Runs the actions at the head of the current group (README: "when it reaches the head"). */
  const runActions = (session: Session) => {
    for (let action = plan.headAction(); action && !finished; action = plan.headAction()) {
      if (options.msg.lettered && plan.group.conn !== session.letter) return;
      if (action.kind === "signal") {
        if (speakerPid === undefined) return fail(`cannot send ${action.name}: the speaker's PID is unknown`);
        note(`${session.letter} signal ${action.name} -> pid ${speakerPid}`);
        try {
          sendSignal(speakerPid, action.name);
        } catch (e) {
          return fail(`cannot send ${action.name} to pid ${speakerPid}: ${(e as Error).message}`);
        }
      } else if (action.kind === "notification") {
        note(`${session.letter} sent NOTIFICATION Cease/2 "${action.text}"`);
        send(session, shutdownNotification(action.text));
        // RFC 4271 §6: the sender of a NOTIFICATION closes the connection.
        session.socket.end();
      }
      plan.consumeHead();
    }
    if (plan.done) complete();
  };

  /** Matches one message against the current group; false when the test failed. */
  const expect = (session: Session, hex: string): boolean => {
    if (plan.done) {
      if (isEndOfRib(hex)) return true; // README: extra End-of-RIB markers after the last group
      fail(
        `unexpected message after the last group, on connection ${session.letter}:\n  received  ${
          formatHex(hex)
        }`,
      );
      return false;
    }
    const group = plan.group;
    if (options.msg.lettered && group.conn !== session.letter) {
      fail(
        `message on connection ${session.letter} while group ${groupLabel(group)} belongs to connection ` +
          `${group.conn}:\n  received  ${formatHex(hex)}`,
      );
      return false;
    }
    if (!plan.take(hex)) {
      fail(
        `unexpected ${summarize(fromHex(hex))} on connection ${session.letter} (group ${
          groupLabel(group)
        }):\n` +
          `  received  ${formatHex(hex)}`,
      );
      return false;
    }
    matched++;
    runActions(session);
    return true;
  };

  const onOpen = (session: Session, msg: Uint8Array, hex: string) => {
    session.opened = true;
    if (settings.inspectOpenMessage && !expect(session, hex)) return;
    if (finished || lingering) return;
    const open = echoOpen(msg, { asn: settings.asn, unknownCapability: settings.sendUnknownCapability });
    note(`${session.letter} sent OPEN          ${formatHex(toHex(open))}`);
    // One write: the speaker sees what follows our OPEN (KEEPALIVE, the unknown message, the default
    // route) together, as from a peer that sends them back to back, whatever the scheduling.
    const burst = [open, KEEPALIVE];
    if (settings.sendUnknownMessage) burst.push(UNKNOWN_MESSAGE);
    if (settings.sendDefaultRoute) burst.push(DEFAULT_ROUTE);
    send(session, concatBytes(burst));
    runActions(session);
  };

  const onMessage = (session: Session, msg: Uint8Array) => {
    if (finished) return;
    const hex = toHex(msg);
    const type = msg[18];
    const detail = type === MessageType.NOTIFICATION ? `  (${describeNotification(msg)})` : "";
    note(`${session.letter} recv ${hexTypeName(hex).padEnd(13)} ${formatHex(hex)}${detail}`);
    armIdle();
    if (!session.opened) {
      if (type !== MessageType.OPEN) return void fail(`the speaker's first message is not an OPEN`);
      return onOpen(session, msg, hex);
    }
    if (type === MessageType.KEEPALIVE) return; // ignored: neither matched nor answered
    if (type === MessageType.UPDATE && !isEndOfRib(hex)) session.updates.push(msg);
    if (isRouteRefreshRequest(msg)) {
      // Answer a route refresh with everything received so far (End-of-RIB markers are not routes).
      for (const update of session.updates) send(session, update);
    }
    send(session, KEEPALIVE);
    expect(session, hex);
  };

  const server = net.createServer((socket) => {
    const letter = String.fromCharCode(65 + Math.min(sessions.length, 25));
    const session: Session = { letter, socket, framer: new Framer(), opened: false, updates: [] };
    sessions.push(session);
    if (finished) return void socket.destroy();
    socket.setNoDelay(true);
    note(`${letter} connected from ${socket.remoteAddress} port ${socket.remotePort}`);
    armIdle();
    socket.on("data", (chunk: Uint8Array) => {
      if (finished) return;
      let messages: Uint8Array[];
      try {
        messages = session.framer.push(
          new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice(),
        );
      } catch (e) {
        return void fail(`connection ${letter}: cannot frame the speaker's bytes: ${(e as Error).message}`);
      }
      for (const msg of messages) onMessage(session, msg);
    });
    socket.on("error", (e) => note(`${letter} socket error: ${e.message}`));
    socket.on("close", () => {
      if (!finished) note(`${letter} closed`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: options.port ?? 0, exclusive: true }, () => resolve());
  });
  server.on("error", (e) => fail(`listener error: ${e.message}`));
  const address = server.address() as net.AddressInfo;
  if (plan.done) complete(); // a file without expectations passes at once

  return {
    host,
    port: address.port,
    result,
    setSpeakerPid(pid: number) {
      speakerPid = pid;
    },
    stop(reason: string) {
      if (lingering) return finish(true, `successful (${matched} message(s) matched)`, false);
      fail(reason);
    },
  };
}

/** Listens, waits for the test to finish, and returns its outcome. */
export async function runPeer(
  options: PeerOptions & { readonly onListening?: (host: string, port: number) => void },
): Promise<PeerResult> {
  const handle = await startPeer(options);
  options.onListening?.(handle.host, handle.port);
  return handle.result;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      pid: { type: "string" },
      timeout: { type: "string" },
      overall: { type: "string" },
      linger: { type: "string" },
      verbose: { type: "boolean", short: "v" },
    },
  });
  if (positionals.length !== 1) {
    console.error(
      "usage: peer.ts TEST.msg [--port N] [--pid PID] [--timeout S] [--overall S] [--linger MS] [-v]",
    );
    return 2;
  }
  const result = await runPeer({
    msg: await readMsgFile(positionals[0]),
    port: values.port ? Number(values.port) : 0,
    speakerPid: values.pid ? Number(values.pid) : undefined,
    messageTimeoutMs: values.timeout ? Number(values.timeout) * 1000 : undefined,
    overallTimeoutMs: values.overall ? Number(values.overall) * 1000 : undefined,
    lingerMs: values.linger ? Number(values.linger) : undefined,
    log: values.verbose ? (line) => console.log(line) : undefined,
    onListening: (host, port) => console.log(`listening on ${host} ${port}`),
  });
  console.log(result.report);
  return result.ok ? 0 : 1;
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
