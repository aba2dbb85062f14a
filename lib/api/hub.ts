/**
 * The API side of a running speaker: the helper processes (commands in, events and acks out), the control
 * socket, and the event router between the speaker and the helpers.
 */
import type { ProcessConfig } from "../config/model.ts";
import type { Environment } from "../config/environment.ts";
import { getLogger } from "../log.ts";
import type { SpeakerEvent } from "../speaker/speaker.ts";
import { ControlServer } from "./control.ts";
import { type CommandSource, dispatch, type DispatchTarget, type Outcome } from "./dispatch.ts";
import { EventRouter } from "./events.ts";
import { type HelperProcess, ProcessManager } from "./process.ts";

const log = getLogger("processes");

export interface ApiHubOptions {
  readonly processes: readonly ProcessConfig[];
  readonly env: Environment;
  readonly target: DispatchTarget;
  /** Control socket path; undefined = no control socket. */
  readonly socketPath?: string;
  /** A helper exited and `api.terminate` (or the respawn limit) makes that fatal. */
  readonly onFatal?: (reason: string) => void;
}

export class ApiHub {
  readonly manager: ProcessManager;
  readonly router: EventRouter;
  readonly #target: DispatchTarget;
  readonly #options: ApiHubOptions;
  #control: ControlServer | undefined;

  constructor(options: ApiHubOptions) {
    this.#options = options;
    this.#target = options.target;
    const env = options.env;
    this.manager = new ProcessManager(options.processes, {
      onBatch: (helper, lines) => this.#batch(helper, lines),
      onStderr: (helper, line) => log.info(`process ${helper.name}: ${line}`),
      onExit: (helper, code, signal, willRespawn, fatal) => {
        log.warn(
          `process ${helper.name} exited (${signal ?? `code ${code}`})${willRespawn ? ", respawning" : ""}`,
        );
        if (fatal) options.onFatal?.(`process ${helper.name} exited`);
      },
      ack: env.api.ack,
      respawn: env.api.respawn,
      terminate: env.api.terminate,
      log,
    });
    const encoders = new Map(options.processes.map((p) => [p.name, p.encoder] as const));
    this.router = new EventRouter(encoders, { write: (h, line) => this.manager.get(h)?.write(line) });
  }

  async start(): Promise<void> {
    this.manager.start();
    if (this.#options.socketPath) {
      try {
        this.#control = await ControlServer.start(
          this.#options.socketPath,
          (line, reply) => this.#control_(line, reply),
        );
        log.info(`control socket ${this.#options.socketPath}`);
      } catch (e) {
        log.error(`control socket ${this.#options.socketPath}: ${(e as Error).message}`);
      }
    }
  }

  event(e: SpeakerEvent): void {
    this.router.handle(e);
  }

  /**
   * A batch of lines read together from one helper: applied in order and completely before anything else
   * runs (dispatch is synchronous for RIB changes), then answered.
   */
  #batch(helper: HelperProcess, lines: string[]): void {
    const source: CommandSource = { kind: "process", name: helper.name };
    for (const line of lines) {
      const outcome = dispatch(line, source, this.#target);
      this.#answer(helper, line, outcome);
    }
  }

  #answer(helper: HelperProcess, line: string, outcome: Outcome): void {
    if (!outcome.ok) log.warn(`command from process ${helper.name} not applied: ${outcome.reason ?? line}`);
    for (const out of outcome.output) helper.answer(out);
    switch (outcome.ack) {
      case "disable": // answers for itself, then no more acks
        if (helper.ack === "on") helper.answer("done");
        helper.ack = "off";
        return;
      case "silence":
        helper.ack = "silence";
        return;
      case "enable":
        helper.ack = "on";
        helper.answer("done");
        return;
    }
    if (helper.ack === "on") helper.answer(outcome.ok ? "done" : "error");
  }

  #control_(line: string, reply: (text: string) => void): Promise<"done" | "error"> {
    const outcome = dispatch(line, { kind: "control" }, this.#target);
    for (const out of outcome.output) reply(out);
    if (!outcome.ok && outcome.reason) reply(outcome.reason);
    return Promise.resolve(outcome.ok ? "done" : "error");
  }

  async stop(): Promise<void> {
    await this.#control?.stop();
    await this.manager.stopAll((h) => this.router.shutdown(h.name));
  }
}
