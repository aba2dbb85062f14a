/**
 * The `.msg` format of ExaBGP's functional suite (see conformance/exabgp-5.0/README.md):
 *   option:<name>:<value>
 *   [<conn>]<seq>:<kind>:<content>      kind = raw | signal | notification
 * Groups are ordered by connection letter, then numerically by sequence; inside a group the order is free.
 * Lines containing `#` anywhere, and blank lines, are ignored.
 */
import { readFile } from "node:fs/promises";

export type MsgItem =
  | { readonly kind: "raw"; readonly hex: string }
  | { readonly kind: "signal"; readonly name: string }
  | { readonly kind: "notification"; readonly text: string };

export interface MsgGroup {
  /** Connection letter: A is the first TCP session, B the one after a reconnect, … */
  readonly conn: string;
  readonly seq: number;
  /** In file order; actions (signal/notification) run when they reach the head of the group. */
  readonly items: readonly MsgItem[];
}

export interface MsgOption {
  readonly name: string;
  readonly value: string;
}

export interface MsgFile {
  readonly options: readonly MsgOption[];
  readonly groups: readonly MsgGroup[];
  /** True when at least one line names its connection letter; reconnects then move to the next letter. */
  readonly lettered: boolean;
}

/** What the options ask of the test peer and of the runner. */
export interface MsgSettings {
  /** option:asn:N — the peer answers with AS N (eBGP). */
  readonly asn?: number;
  /** option:bind:ipv6 — listen on ::1 instead of 127.0.0.1. */
  readonly ipv6: boolean;
  readonly sendUnknownCapability: boolean;
  readonly inspectOpenMessage: boolean;
  readonly sendUnknownMessage: boolean;
  readonly sendDefaultRoute: boolean;
  /** option:timeout:S — the longest wait for a message, in seconds. */
  readonly timeoutS?: number;
  /** option:tcp_connections:N — passed to the speaker as exabgp_tcp_connections (default 1). */
  readonly tcpConnections: number;
}

const ITEM_LINE = /^([A-Za-z]?)(\d+):([A-Za-z]+):(.*)$/;

/** Builds one item from its kind and content; a table so that new kinds are one entry. */
const ITEM_KINDS: Record<string, (content: string, where: string) => MsgItem> = {
  raw(content, where) {
    const hex = content.replace(/[:\s]/g, "").toUpperCase();
    if (!/^(?:[0-9A-F]{2})+$/.test(hex)) {
      throw new Error(`${where}: raw content is not an even-length hex string`);
    }
    return { kind: "raw", hex };
  },
  signal(content, where) {
    const name = content.trim().toUpperCase();
    if (!/^SIG[A-Z0-9]+$/.test(name)) throw new Error(`${where}: bad signal name '${content}'`);
    return { kind: "signal", name };
  },
  notification(content) {
    return { kind: "notification", text: content.trim() };
  },
};

/** Parses the text of a `.msg` file; `source` names it in error messages. */
export function parseMsg(text: string, source = "<msg>"): MsgFile {
  const options: MsgOption[] = [];
  const byKey = new Map<string, { conn: string; seq: number; items: MsgItem[] }>();
  let lettered = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.includes("#")) continue;
    const where = `${source}:${i + 1}`;
    if (line.startsWith("option:")) {
      const rest = line.slice("option:".length);
      const colon = rest.indexOf(":");
      options.push(
        colon < 0 ? { name: rest, value: "" } : { name: rest.slice(0, colon), value: rest.slice(colon + 1) },
      );
      continue;
    }
    const m = ITEM_LINE.exec(line);
    if (!m) throw new Error(`${where}: not a .msg line: ${line}`);
    const [, letter, seqText, kind, content] = m;
    const build = ITEM_KINDS[kind.toLowerCase()];
    if (!build) throw new Error(`${where}: unknown kind '${kind}'`);
    if (letter) lettered = true;
    const conn = (letter || "A").toUpperCase();
    const seq = Number(seqText);
    const key = `${conn}${seq}`;
    let group = byKey.get(key);
    if (!group) byKey.set(key, group = { conn, seq, items: [] });
    group.items.push(build(content, where));
  }
  const groups = [...byKey.values()].sort((a, b) =>
    a.conn < b.conn ? -1 : a.conn > b.conn ? 1 : a.seq - b.seq
  );
  return { options, groups, lettered };
}

export async function readMsgFile(path: string): Promise<MsgFile> {
  return parseMsg(await readFile(path, "utf8"), path);
}

function option(file: MsgFile, name: string): string | undefined {
  return file.options.find((o) => o.name === name)?.value;
}

function hasOption(file: MsgFile, name: string, value: string): boolean {
  return file.options.some((o) => o.name === name && o.value === value);
}

function numberOption(file: MsgFile, name: string): number | undefined {
  const value = option(file, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`option:${name}: '${value}' is not a number`);
  return n;
}

export function msgSettings(file: MsgFile): MsgSettings {
  return {
    asn: numberOption(file, "asn"),
    ipv6: hasOption(file, "bind", "ipv6"),
    sendUnknownCapability: hasOption(file, "open", "send-unknown-capability"),
    inspectOpenMessage: hasOption(file, "open", "inspect-open-message"),
    sendUnknownMessage: hasOption(file, "open", "send-unknown-message"),
    sendDefaultRoute: hasOption(file, "update", "send-default-route"),
    timeoutS: numberOption(file, "timeout"),
    tcpConnections: numberOption(file, "tcp_connections") ?? 1,
  };
}

/** `A2` style label of a group, for reports. */
export function groupLabel(group: MsgGroup): string {
  return `${group.conn}${group.seq}`;
}
