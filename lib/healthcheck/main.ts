/**
 * `tsbgp healthcheck …`: ExaBGP 5.0's healthcheck helper built into the executable. Parses the options,
 * writes the PID file, finds the service addresses (`--ip`, else the loopback's), sets them up, drops
 * privileges, then runs the loop until SIGTERM/SIGINT or the end of standard input.
 * Exit status: 0 after a stop, 1 on a runtime failure ("No IP found", PID file, privileges), 2 on bad
 * options (as argparse).
 */
import { runtime } from "../runtime/mod.ts";
import { AddressManager, listAddresses, matchingAddresses } from "./ip_setup.ts";
import { hostNetworks, type Network, networkText } from "./network.ts";
import {
  HealthcheckOptionError,
  type HealthcheckOptions,
  healthcheckUsage,
  parseHealthcheckArgs,
} from "./options.ts";
import { HealthcheckRunner, type StopReason } from "./runner.ts";
import { consoleLog, dropPrivileges, systemHost } from "./system.ts";

/** Python's `deque.rotate(-n)`: the list starting at index n (modulo its length; negative from the end). */
export function rotate<T>(items: readonly T[], n: number): T[] {
  if (items.length === 0) return [];
  const k = ((n % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

function parse(args: readonly string[]): HealthcheckOptions | number {
  try {
    const parsed = parseHealthcheckArgs(args, (p) => runtime.readTextFileSync(p));
    if (parsed.kind === "options") return parsed.options;
    console.log(healthcheckUsage());
    return 0;
  } catch (e) {
    if (!(e instanceof HealthcheckOptionError)) throw e;
    console.error(`tsbgp healthcheck: ${e.message}`);
    return 2;
  }
}

export async function healthcheckCommand(args: readonly string[]): Promise<number> {
  const o = parse(args);
  if (typeof o === "number") return o;
  const log = consoleLog(o);
  let runner: HealthcheckRunner | undefined;
  let early: StopReason | undefined;
  const stop = (reason: StopReason) => (runner ? runner.stop(reason) : (early ??= reason));
  const host = systemHost(log, () => stop("EOF"), o.sudo);
  runtime.onSignal("SIGTERM", () => stop("SIGTERM"));
  runtime.onSignal("SIGINT", () => stop("SIGINT"));
  try {
    if (o.pid !== undefined) await runtime.writeTextFile(o.pid, `${runtime.pid()}\n`);
    let ips: readonly Network[] = o.ips.length > 0
      ? o.ips
      : matchingAddresses(await listAddresses(host.ip), o);
    if (ips.length === 0) {
      log.error("No IP found");
      return 1;
    }
    const addresses = new AddressManager({ ...o, ips }, host.ip, log);
    if (o.ipSetup) await addresses.setup();
    dropPrivileges(o.user, o.group);
    if (o.deaggregateNetworks) ips = ips.flatMap(hostNetworks);
    ips = rotate(ips, o.startIp);
    runner = new HealthcheckRunner(o, ips.map(networkText), host, log, addresses);
    if (early !== undefined) runner.stop(early);
    return await runner.run();
  } catch (e) {
    log.error(`Uncaught exception: ${(e as Error).message ?? e}`);
    return 1;
  }
}
