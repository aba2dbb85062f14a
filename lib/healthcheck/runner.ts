/**
 * The healthcheck loop: check, step the state machine, run the hooks of the state entered, write the
 * state's lines (waiting for each `done`/`error` unless `--no-ack`), sleep, again. SIGTERM and SIGINT end
 * it with the EXIT lines (every route withdrawn) and the address removal; the end of standard input (the
 * speaker went away) ends it silently; `--interval 0` ends it after the first announcement, leaving the
 * routes in place (ExaBGP's END). Everything outside the process goes through `HealthcheckHost`, so the
 * loop runs against a fake host in tests.
 */
import { commandLines } from "./commands.ts";
import type { AddressManager } from "./ip_setup.ts";
import type { HealthcheckOptions } from "./options.ts";
import {
  type AnnouncedState,
  hooksFor,
  INITIAL,
  type Machine,
  type Observation,
  pauseAfter,
  shouldAnnounce,
  type State,
  step,
} from "./state.ts";

export type CheckResult =
  | { readonly kind: "success" }
  | {
    readonly kind: "failure";
    readonly code: number | null;
    readonly signal: string | null;
    readonly output: string;
  }
  | { readonly kind: "timeout" }
  /** The command could not be started. */
  | { readonly kind: "error"; readonly message: string }
  /** The run was stopped while the check ran (SIGTERM, end of input). */
  | { readonly kind: "aborted" };

/** The answer to one written line: the speaker's `done`/`error`, none in time, no input any more, or a stop. */
export type Ack = "done" | "error" | "timeout" | "closed" | "aborted";

export interface HealthcheckLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface HealthcheckHost {
  /** Runs `command` with /bin/sh; kills it after `timeoutS` seconds (0: no limit) or when `signal` aborts. */
  check(command: string, timeoutS: number, signal: AbortSignal): Promise<CheckResult>;
  /** Runs a hook with /bin/sh and `env` added, output discarded; bounded like the check. */
  hook(command: string, env: Readonly<Record<string, string>>, timeoutS: number): Promise<void>;
  exists(path: string): boolean;
  /** Writes one line to the speaker; false when standard output is closed. */
  write(line: string): Promise<boolean>;
  /** The next `done`/`error` line of standard input. */
  ack(timeoutMs: number, signal?: AbortSignal): Promise<Ack>;
  /** Standard output is a terminal: a person runs the helper, nobody acknowledges (ExaBGP reads no ack). */
  readonly interactive: boolean;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** How long a written line waits for its `done`/`error` before the helper goes on (and says why). */
export const ACK_TIMEOUT_MS = 10_000;
/** The same while exiting: a stopping speaker may not answer, and SIGKILL follows SIGTERM soon. */
export const EXIT_ACK_TIMEOUT_MS = 1_000;

export type StopReason = "SIGTERM" | "SIGINT" | "EOF";

export class HealthcheckRunner {
  #machine: Machine = INITIAL;
  #stop: StopReason | undefined;
  readonly #abort = new AbortController();

  constructor(
    readonly options: HealthcheckOptions,
    /** The service addresses as written in the lines, in `--start-ip` order. */
    readonly ips: readonly string[],
    readonly host: HealthcheckHost,
    readonly log: HealthcheckLog,
    readonly addresses?: AddressManager,
  ) {}

  get state(): State {
    return this.#machine.state;
  }

  /** Ends the loop at its next wait (the first reason wins). */
  stop(reason: StopReason): void {
    if (this.#stop !== undefined) return;
    this.#stop = reason;
    this.log.debug(`stopping (${reason === "EOF" ? "end of standard input" : reason})`);
    this.#abort.abort();
  }

  /** Runs until stopped or, with `--interval 0`, until the first announcement; resolves to the exit code. */
  async run(): Promise<number> {
    const o = this.options;
    while (this.#stop === undefined) {
      const observation = await this.#observe();
      if (this.#stop !== undefined) break;
      const s = step(this.#machine, observation, o);
      this.#machine = s.machine;
      if (s.entered !== undefined) await this.#hooks(s.entered);
      const target = shouldAnnounce(s, o.debounce);
      if (target !== undefined) await this.#announce(target, this.#abort.signal);
      if (this.#stop !== undefined) break;
      const pause = pauseAfter(this.#machine.state, o);
      if (pause.kind === "end") {
        this.log.info("interval set to zero, exiting after the announcement");
        return 0;
      }
      await this.host.sleep(pause.seconds * 1000, this.#abort.signal);
    }
    if (this.#stop !== "EOF") {
      this.#machine = { state: "EXIT", checks: this.#machine.checks };
      await this.#announce("EXIT");
    }
    return 0;
  }

  async #observe(): Promise<Observation> {
    const o = this.options;
    const disabled = o.disable !== undefined && this.host.exists(o.disable);
    // A disabled service is not checked; ExaBGP counts it as a success.
    if (disabled || o.command === undefined) return { disabled, successful: true };
    this.log.debug(`Checking command ${JSON.stringify(o.command)}`);
    const r = await this.host.check(o.command, o.timeout, this.#abort.signal);
    switch (r.kind) {
      case "success":
        this.log.debug("Command was executed successfully");
        return { disabled, successful: true };
      case "failure":
        this.log.warn(`Check command was unsuccessful: ${r.code ?? r.signal}`);
        if (r.output.trim() !== "") this.log.info(`Output of check command: ${r.output.trim()}`);
        break;
      case "timeout":
        this.log.warn(`Timeout (${o.timeout}) while running check command ${o.command}`);
        break;
      case "error":
        this.log.warn(`Check command could not be run: ${r.message}`);
        break;
      case "aborted":
        break;
    }
    return { disabled, successful: false };
  }

  async #hooks(entered: State): Promise<void> {
    this.log.debug(`Transition to ${entered}`);
    for (const cmd of hooksFor(entered, this.options)) {
      this.log.debug(`Transition to ${entered}, execute \`${cmd}\``);
      await this.host.hook(cmd, { STATE: entered }, this.options.timeout);
    }
  }

  /** Writes the lines of `target`, each acknowledged unless `--no-ack`; manages the addresses around it. */
  async #announce(target: AnnouncedState, signal?: AbortSignal): Promise<void> {
    const o = this.options;
    if (target === "UP" && o.ipDynamic) {
      this.log.info("service up, restoring the service addresses");
      await this.addresses?.setup();
    }
    this.log.info(`send announces for ${target} state to ExaBGP`);
    for (const line of commandLines(target, o, this.ips)) {
      this.log.debug(`exabgp: ${line}`);
      if (!(await this.host.write(line))) return this.stop("EOF");
      if (o.noAck || this.host.interactive) continue;
      const wait = target === "EXIT" ? EXIT_ACK_TIMEOUT_MS : ACK_TIMEOUT_MS;
      const ack = await this.host.ack(wait, signal);
      if (ack === "error") this.log.warn(`the speaker answered error for: ${line}`);
      else if (ack === "timeout") {
        this.log.warn(
          `no done/error within ${wait} ms for: ${line} (use --no-ack when exabgp.api.ack is false)`,
        );
      } else if (ack === "closed") return this.stop("EOF");
      else if (ack === "aborted") return;
    }
    if (target === "EXIT" && (o.ipDynamic || o.ipSetup)) {
      this.log.info("exiting, deleting the service addresses");
      await this.addresses?.remove();
    } else if ((target === "DOWN" || target === "DISABLED") && o.ipDynamic) {
      this.log.info("service down, deleting the service addresses");
      await this.addresses?.remove();
    }
  }
}
