/**
 * The service addresses on the host's interfaces, as ExaBGP's helper manages them (Linux `ip`): it lists
 * `ip -o address show dev <if>`, adds each missing address of the `--ip` networks at start (unless
 * `--no-ip-setup`) and when UP with `--dynamic-ip-setup`, and removes them on exit (and when DOWN or
 * DISABLED with `--dynamic-ip-setup`). Addresses go on the loopback unless `--ip-ifname` names another
 * interface; `--label` tags them `<if>:<label>` and limits which existing ones count.
 *
 * tsbgp's policy: the commands run only when privileged (root, or `--sudo`, which prefixes `sudo`);
 * otherwise each is logged as "would run: …" and nothing changes. Parsing and planning are pure; the
 * manager runs the plan through an injected executor.
 */
import { hostNetworks, isLoopback, type Network, networkText, parseNetwork, sameNetwork } from "./network.ts";

export const LOOPBACK = "lo";

export interface InterfaceAddress {
  readonly ifname: string;
  readonly network: Network;
  /** The text after `<ifname>:` in the line (`lo:haproxy1` → `haproxy1`), if any. */
  readonly label?: string;
}

const LINE_RE = /^(\d+):\s+(\S+)\s+inet6?\s+([\da-f.:]+)\/(\d+)\s+.*/;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The non-loopback addresses of `ip -o address show` output on `ifnames`. An address whose length leaves
 * host bits set (10.0.0.1/24) is skipped, as ExaBGP's strict `ip_network` skips it.
 */
export function parseIpAddressShow(output: string, ifnames: readonly string[]): InterfaceAddress[] {
  const labelRe = new RegExp(`\\s(?:${ifnames.map(escapeRe).join("|")}):([^\\\\\\s]+)`);
  const out: InterfaceAddress[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    const m = LINE_RE.exec(line);
    if (!m) continue;
    let network: Network;
    try {
      network = parseNetwork(`${m[3]}/${m[4]}`);
    } catch {
      continue;
    }
    if (isLoopback(network)) continue;
    const label = labelRe.exec(line)?.[1];
    out.push(label === undefined ? { ifname: m[2], network } : { ifname: m[2], network, label });
  }
  return out;
}

export interface LabelMatch {
  readonly label?: string;
  readonly labelExactMatch: boolean;
}

/** The addresses that count: all of them, or with `--label` those whose label starts with (or is) it. */
export function matchingAddresses(all: readonly InterfaceAddress[], m: LabelMatch): Network[] {
  const { label } = m;
  if (!label) return all.map((a) => a.network);
  return all
    .filter((a) =>
      a.label !== undefined && (m.labelExactMatch ? a.label === label : a.label.startsWith(label))
    )
    .map((a) => a.network);
}

export interface PlanOptions extends LabelMatch {
  readonly ips: readonly Network[];
  readonly ipIfnames: ReadonlyMap<string, string>;
  readonly sudo: boolean;
}

/** The interfaces to list: the loopback and every `--ip-ifname` one. */
export function interfacesOf(o: Pick<PlanOptions, "ipIfnames">): string[] {
  return [...new Set([LOOPBACK, ...o.ipIfnames.values()])];
}

function command(verb: "add" | "delete", host: Network, o: PlanOptions): string[] {
  const ifname = o.ipIfnames.get(networkText(host)) ?? LOOPBACK;
  const argv = ["ip", "address", verb, networkText(host), "dev", ifname];
  if (o.label) argv.push("label", `${ifname}:${o.label}`);
  return o.sudo ? ["sudo", ...argv] : argv;
}

const hostsOf = (ips: readonly Network[]) => ips.flatMap(hostNetworks);

/** `ip address add` for each address of the `--ip` networks that `existing` lacks. */
export function planSetup(o: PlanOptions, existing: readonly Network[]): string[][] {
  return hostsOf(o.ips).filter((h) => !existing.some((e) => sameNetwork(e, h))).map((h) =>
    command("add", h, o)
  );
}

/** `ip address delete` for each address of the `--ip` networks that `existing` has. */
export function planRemove(o: PlanOptions, existing: readonly Network[]): string[][] {
  return hostsOf(o.ips).filter((h) => existing.some((e) => sameNetwork(e, h))).map((h) =>
    command("delete", h, o)
  );
}

export interface IpExecutor {
  /** Output of `ip -o address show dev <ifname>` ("" when it cannot be listed). */
  list(ifname: string): Promise<string>;
  /** Runs a command; resolves to its exit code (null when killed or not started). */
  run(argv: readonly string[]): Promise<number | null>;
  /** Root, or `--sudo` given. */
  readonly privileged: boolean;
}

export interface AddressLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** The addresses on `ifnames` (the loopback alone for ExaBGP's discovery when no `--ip` is given). */
export async function listAddresses(
  exec: Pick<IpExecutor, "list">,
  ifnames: readonly string[] = [LOOPBACK],
): Promise<InterfaceAddress[]> {
  const outputs = await Promise.all(ifnames.map((i) => exec.list(i)));
  return parseIpAddressShow(outputs.join("\n"), ifnames);
}

/** `ip address add` exits 2 when the address is already there; ExaBGP ignores that code. */
const ALREADY_THERE = 2;

/** Runs (or, unprivileged, describes) the set-up and removal plans. */
export class AddressManager {
  constructor(readonly options: PlanOptions, readonly exec: IpExecutor, readonly log: AddressLog) {}

  async setup(): Promise<void> {
    const present = matchingAddresses(
      await listAddresses(this.exec, interfacesOf(this.options)),
      this.options,
    );
    for (const argv of planSetup(this.options, present)) await this.#run(argv, true);
  }

  async remove(): Promise<void> {
    const present = matchingAddresses(
      await listAddresses(this.exec, interfacesOf(this.options)),
      this.options,
    );
    for (const argv of planRemove(this.options, present)) await this.#run(argv, false);
  }

  async #run(argv: readonly string[], adding: boolean): Promise<void> {
    const line = argv.join(" ");
    if (!this.exec.privileged) {
      this.log.warn(`not root (use --sudo or --no-ip-setup): would run: ${line}`);
      return;
    }
    this.log.debug(`running ${line}`);
    const code = await this.exec.run(argv);
    if (code === 0 || (adding && code === ALREADY_THERE)) return;
    const what = adding ? "set up" : "remove";
    this.log.warn(`unable to ${what} the address: ${line} exited with ${code ?? "a signal"}`);
  }
}
