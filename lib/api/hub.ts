/**
 * The API side of a running speaker: the helper processes (commands in, events and acks out), the control
 * socket, and the event router between the speaker and the helpers.
 */
import type { NeighborConfig, ProcessConfig } from "../config/model.ts";
import type { Environment } from "../config/environment.ts";
import { getLogger } from "../log.ts";
import type { SpeakerEvent } from "../speaker/speaker.ts";
import { ControlServer } from "./control.ts";
import { type CommandSource, dispatch, type DispatchTarget, type Outcome } from "./dispatch.ts";
import { EventRouter } from "./events.ts";
import { ACK_BYTES, AnswerFlow, STALL_MS } from "./answer_flow.ts";
import { Pacer } from "./pacer.ts";
import { ReceiveGate } from "./receive_gate.ts";
import { type HelperProcess, ProcessManager } from "./process.ts";

const log = getLogger("processes");

export interface ApiHubOptions {
  readonly processes: readonly ProcessConfig[];
  readonly env: Environment;
  readonly target: DispatchTarget;
  /** Control socket path; undefined = no control socket. */
  readonly socketPath?: string;
  /** A helper exited and `api.terminate` or the respawn limit makes that fatal; `reason` says which. */
  readonly onFatal?: (reason: string) => void;
}

export class ApiHub {
  readonly manager: ProcessManager;
  readonly router: EventRouter;
  readonly #target: DispatchTarget;
  readonly #options: ApiHubOptions;
  /** Per helper, for good: whether it is stalled outlives a batch (see answer_flow.ts). */
  readonly #flows = new Map<HelperProcess, AnswerFlow>();
  /** Per helper: holds back the sockets of the neighbors it is sent events of (receive_gate.ts). */
  readonly #gates = new Map<HelperProcess, ReceiveGate>();
  #control: ControlServer | undefined;

  constructor(options: ApiHubOptions) {
    this.#options = options;
    this.#target = options.target;
    const env = options.env;
    this.manager = new ProcessManager(options.processes, {
      onBatch: (helper, lines) => this.#batch(helper, lines),
      onStderr: (helper, line) => log.info(`process ${helper.name}: ${line}`),
      // The exit itself is logged by the manager, once.
      onExit: (helper, _code, _signal, _willRespawn, fatal) => {
        if (!fatal) return;
        options.onFatal?.(
          env.api.terminate
            ? `process ${helper.name} exited and exabgp.api.terminate is set`
            : `process ${helper.name} died too often (respawn limit reached)`,
        );
      },
      ack: env.api.ack,
      respawn: env.api.respawn,
      terminate: env.api.terminate,
      maxQueueBytes: env.api.queue,
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
   * For a neighbor's session: undefined while it may read on, else a promise that settles when it may — one
   * of the helpers its received messages go to is behind (receive_gate.ts). Undefined: no helper listens.
   */
  receiveGate(n: NeighborConfig): (() => Promise<void> | undefined) | undefined {
    const helpers = this.router.receivers(n).map((name) => this.manager.get(name)).filter((h) =>
      h !== undefined
    );
    if (helpers.length === 0) return undefined;
    const gates = helpers.map((h) => this.#gate(h));
    return () => {
      for (const g of gates) {
        const wait = g.wait();
        if (wait !== undefined) return wait;
      }
      return undefined;
    };
  }

  #gate(helper: HelperProcess): ReceiveGate {
    let gate = this.#gates.get(helper);
    if (gate === undefined) {
      const cap = this.manager.maxQueueBytes;
      gate = new ReceiveGate(helper, cap, (queued) =>
        log.error(
          `process ${helper.name}: not reading its stdin (${queued} of ${cap} bytes queued, none read for ` +
            `${STALL_MS} ms): no longer waited for, the oldest events are dropped until it reads again`,
        ));
      this.#gates.set(helper, gate);
    }
    return gate;
  }

  /**
   * A batch of lines read together from one helper. Every line is applied first, in order, in this one
   * synchronous run: the RIB changes of one read are complete before any session builds an UPDATE (sessions
   * pull from the RIB on a later turn, lesson 3). The answers follow in the same order, paced by AnswerFlow
   * (a show builds its lines then, see dispatch.ts); the next read of this helper waits for them.
   */
  async #batch(helper: HelperProcess, lines: string[]): Promise<void> {
    const source: CommandSource = { kind: "process", name: helper.name };
    const outcomes: (Outcome | undefined)[] = lines.map((line) => dispatch(line, source, this.#target));
    const flow = this.#flow(helper);
    for (let i = 0; i < lines.length; i++) {
      let outcome = outcomes[i]!;
      outcomes[i] = undefined; // a printed answer's generator is garbage at once
      // ExaBGP logs the refused line itself, so that an operator can find the helper's mistake.
      if (!outcome.ok) {
        log.warn(
          `command from process ${helper.name} not applied: ${lines[i]} (${outcome.reason ?? "refused"})`,
        );
      }
      const output = outcome.output;
      if (!Array.isArray(output) || output.length > 0) {
        outcome = await this.#write(helper, lines[i], outcome, flow);
      }
      this.#ack(helper, outcome);
      if (flow.wrote(ACK_BYTES)) await flow.pause();
    }
  }

  #flow(helper: HelperProcess): AnswerFlow {
    let flow = this.#flows.get(helper);
    if (flow === undefined) {
      const cap = this.manager.maxQueueBytes;
      flow = new AnswerFlow(helper, cap, (queued) =>
        log.error(
          `process ${helper.name}: not reading its stdin (${queued} of ${cap} bytes queued, none read for ` +
            `${STALL_MS} ms): long answers to it are cut short until it reads again`,
        ));
      this.#flows.set(helper, flow);
    }
    return flow;
  }

  /**
   * Writes a command's output lines, paced, and cut short while the helper is stalled (answer_flow.ts); the
   * outcome to ack (an error when building the lines failed).
   */
  async #write(helper: HelperProcess, line: string, outcome: Outcome, flow: AnswerFlow): Promise<Outcome> {
    try {
      for (const out of outcome.output) {
        helper.answer(out);
        if (!flow.wrote(out.length + 1)) continue;
        await flow.pause();
        if (flow.stalled) break;
      }
      return outcome;
    } catch (e) {
      log.warn(
        `command from process ${helper.name} failed while answering: ${line} (${(e as Error).message})`,
      );
      return { ...outcome, ok: false };
    }
  }

  #ack(helper: HelperProcess, outcome: Outcome): void {
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

  async #control_(line: string, reply: (text: string) => void): Promise<"done" | "error"> {
    const outcome = dispatch(line, { kind: "control" }, this.#target);
    const pacer = new Pacer();
    for (const out of outcome.output) {
      reply(out);
      if (pacer.due()) await pacer.pause();
    }
    if (!outcome.ok && outcome.reason) reply(outcome.reason);
    return outcome.ok ? "done" : "error";
  }

  async stop(): Promise<void> {
    await this.#control?.stop();
    await this.manager.stopAll((h) => this.router.shutdown(h.name));
  }
}
