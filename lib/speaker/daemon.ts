/**
 * A running tsbgp process: the speaker, its API hub and the process lifecycle (exabgp-behaviour §5.4, BRIEF
 * "signals"): SIGTERM/SIGHUP/SIGINT stop; SIGUSR1 reloads (neighbors whose settings did not change keep
 * their session and only get the route differences; several configuration files rotate, one per reload);
 * SIGUSR2 reloads fully (every neighbor restarts); SIGALRM restarts every session. A configuration that
 * fails to load is refused and the running one stays.
 */
import { ErrorCode } from "../bgp/error.ts";
import { CeaseSubcode, notification } from "../bgp/message/notification.ts";
import { ApiHub } from "../api/hub.ts";
import type { DispatchTarget } from "../api/dispatch.ts";
import type { Environment } from "../config/environment.ts";
import type { Config, NeighborConfig } from "../config/model.ts";
import { getLogger } from "../log.ts";
import { runtime } from "../runtime/mod.ts";
import type { SignalName } from "../runtime/types.ts";
import { type NeighborRuntime, Speaker, type SpeakerEvent } from "./speaker.ts";
import { routeIdentity } from "./route_identity.ts";

const log = getLogger("reactor");

/** The exit code when the speaker stops because of a failure (ExaBGP's `Exit.process` and the others). */
const EXIT_FAILURE = 1;

export interface DaemonOptions {
  /** Configuration files; the first runs, each reload moves to the next (ExaBGP's rotation). */
  readonly files: readonly string[];
  readonly env: Environment;
  /** Loads and validates one file; throws with a FILE:LINE message when it is bad. */
  readonly load: (file: string) => Promise<Config>;
  readonly socketPath?: string;
  /** Extra observer of every speaker event (the demo, tests). */
  readonly onEvent?: (e: SpeakerEvent) => void;
}

/** A neighbor keeps its session across a reload when everything but its routes is unchanged. */
function sessionKey(n: NeighborConfig): string {
  const { routes: _r, unsupported: _u, source: _s, api: _a, ...rest } = n;
  return JSON.stringify(rest);
}

export class Daemon implements DispatchTarget {
  readonly #options: DaemonOptions;
  #config: Config;
  #fileIndex = 0;
  readonly speaker: Speaker;
  readonly hub: ApiHub;
  #stop!: (code: number) => void;
  readonly #stopped: Promise<number>;
  #stopping = false;
  #busy: Promise<void> = Promise.resolve();

  constructor(config: Config, options: DaemonOptions) {
    this.#options = options;
    this.#config = config;
    this.#stopped = new Promise((resolve) => (this.#stop = resolve));
    this.speaker = new Speaker({
      config,
      env: options.env,
      net: runtime.net,
      onEvent: (e) => {
        this.hub.event(e);
        options.onEvent?.(e);
      },
      onExhausted: () => {
        log.info("every peer used up its connection attempts: stopping");
        this.shutdown();
      },
      // Sent messages are decoded for the helpers that subscribed, or all of them for an extra observer.
      reportSent: options.onEvent ? undefined : (config) => this.hub.router.wantsSent(config),
      receiveGate: (config) => this.hub.receiveGate(config),
    });
    this.hub = new ApiHub({
      processes: config.processes,
      env: options.env,
      target: this,
      socketPath: options.socketPath,
      // A failure, as ExaBGP's "Too many death" (its exit code 1): a supervisor sees it and may restart us.
      onFatal: (reason) => {
        log.error(`${reason}: stopping with exit code ${EXIT_FAILURE}`);
        this.shutdown(EXIT_FAILURE);
      },
    });
  }

  get apiVersion(): string {
    return this.#options.env.version ?? "5.0.0";
  }

  neighbors(): readonly NeighborRuntime[] {
    return this.speaker.neighbors;
  }

  /** Runs until stopped; resolves to the exit code. */
  async run(): Promise<number> {
    const handlers: Record<SignalName, () => void> = {
      SIGTERM: () => this.shutdown(),
      SIGHUP: () => this.shutdown(),
      SIGINT: () => this.shutdown(),
      SIGUSR1: () => this.reload(),
      SIGUSR2: () => this.reload(true),
      SIGALRM: () => this.restart(),
    };
    const removers = (Object.keys(handlers) as SignalName[]).map((s) =>
      runtime.onSignal(s, () => {
        log.info(`received ${s}`);
        const effect = runtime.signalSideEffect(s);
        if (effect) log.warn(effect);
        this.hub.router.signal(this.speaker.neighbors.map((n) => n.view()), s);
        handlers[s]();
      })
    );
    try {
      await this.hub.start();
      await this.speaker.start();
    } catch (e) {
      log.error(`cannot start: ${(e as Error).message}`);
      this.#stop(EXIT_FAILURE);
    }
    const code = await this.#stopped;
    for (const r of removers) r();
    await this.hub.stop();
    await this.speaker.stop();
    return code;
  }

  /** Stops the speaker; `exitCode` is non-zero when it stops because something failed. */
  shutdown(exitCode = 0): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stop(exitCode);
  }

  /** SIGUSR1 (`full` false) or SIGUSR2 (`full` true). Reloads run one at a time. */
  reload(full = false): void {
    this.#busy = this.#busy.then(() => this.#reload(full)).catch((e) => log.error(`reload failed: ${e}`));
  }

  /** SIGALRM / `restart`: every session is closed (Cease 6) and re-established; the RIBs stay. */
  restart(): void {
    for (const n of this.speaker.neighbors) {
      void n.peer.stop(notification(ErrorCode.CEASE, CeaseSubcode.OTHER_CONFIGURATION_CHANGE)).then(() => n.peer.start());
    }
  }

  async #reload(full: boolean): Promise<void> {
    if (this.#stopping) return;
    const files = this.#options.files;
    const next = (this.#fileIndex + 1) % files.length;
    let config: Config;
    try {
      config = await this.#options.load(files[next]);
    } catch (e) {
      log.error(`reload refused, the running configuration stays: ${(e as Error).message}`);
      return;
    }
    this.#fileIndex = next;
    log.info(`reloading ${files[next]}${full ? " (full)" : ""}`);
    const old = new Map(this.speaker.neighbors.map((n) => [n.config.peerAddress + "|" + n.config.localAddress, n]));
    for (const nc of config.neighbors) {
      const key = nc.peerAddress + "|" + nc.localAddress;
      const current = old.get(key);
      old.delete(key);
      if (current && !full && sessionKey(current.config) === sessionKey(nc)) {
        applyRouteDiff(current, nc);
        continue;
      }
      if (current) await this.speaker.removeNeighbor(current);
      this.speaker.addNeighbor(nc);
    }
    for (const gone of old.values()) await this.speaker.removeNeighbor(gone);
    this.#config = config;
  }
}

/** The configuration's routes changed: announce the new ones, withdraw the ones that disappeared. */
function applyRouteDiff(n: NeighborRuntime, next: NeighborConfig): void {
  const before = new Map(n.config.routes.map((r) => [routeIdentity(r), r]));
  const after = new Map(next.routes.map((r) => [routeIdentity(r), r]));
  for (const [id, r] of before) if (!after.has(id)) n.ribOut.withdraw(r);
  for (const [id, r] of after) if (!before.has(id)) n.ribOut.announce(r);
  n.config = next;
}
