/**
 * One run's directory and everything started for it: configs, logs and helper files live in a fresh
 * temporary directory; each process or socket registers how to stop it, and `close()` undoes all of it
 * in reverse order (processes by PID), then removes the directory unless it is kept for inspection.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signalPid } from "./child.ts";
import { ProcessWatch } from "./proc.ts";

export interface WorkspaceSettings {
  /** Keep the directory (configs, logs) after the run. */
  readonly keep?: boolean;
  /** Where CPU profiles of the speaker go (one folder per run), when profiling. */
  readonly profileDir?: string;
}

export class Workspace {
  readonly dir: string;
  readonly keep: boolean;
  readonly profileDir: string | undefined;
  #cleanups: (() => unknown)[] = [];

  constructor(readonly name: string, settings: WorkspaceSettings = {}) {
    this.dir = mkdtempSync(join(tmpdir(), `tsbgp-bench-${name}-`));
    chmodSync(this.dir, 0o755); // ExaBGP and BIRD read their files here
    this.keep = settings.keep === true;
    this.profileDir = settings.profileDir === undefined ? undefined : join(settings.profileDir, name);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Registers an undo step (run by close(), last registered first). */
  defer(step: () => unknown): void {
    this.#cleanups.push(step);
  }

  /** Watches `pid`'s CPU and RSS (proc.ts); the sampling stops at close if the run fails before finish(). */
  watch(pid: number): ProcessWatch {
    const watch = new ProcessWatch(pid);
    this.defer(() => watch.stop());
    return watch;
  }

  /** At close, SIGKILLs the PID a helper wrote to `file` if it is still there (helpers outlive crashes). */
  killPidFileAtClose(file: string): void {
    this.defer(() => {
      if (!existsSync(file)) return;
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 1) signalPid(pid, "SIGKILL");
    });
  }

  async close(): Promise<void> {
    for (const step of this.#cleanups.reverse()) {
      try {
        await step();
      } catch {
        // keep undoing the rest
      }
    }
    this.#cleanups = [];
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}
