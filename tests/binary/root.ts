/**
 * An empty root for the compiled executable: a temporary directory holding only the binary, the shared
 * libraries `ldd` names for it (at the same paths, the dynamic loader included) and an empty /proc mount
 * point. Commands run inside it with `unshare --mount --root=DIR --mount-proc`: a private mount namespace,
 * chroot into DIR, a fresh procfs on DIR/proc (gone with the process), then exec — so the PID of the
 * spawned child is the PID of tsbgp itself. Linux only, and needs root (chroot, mount).
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { makeTempDir, removeTempDir } from "../helpers/sandbox.ts";
import { REPO_ROOT, SpeakerProcess } from "../helpers/speaker.ts";

/** The binary under test: TSBGP_BIN (as scripts/test.sh sets it), else dist/tsbgp. */
export const BINARY: string = process.env.TSBGP_BIN || `${REPO_ROOT}dist/tsbgp`;

/** Where the binary sits inside the root. */
export const INSIDE = "/tsbgp";

/** `name` on $PATH, as an absolute path: the children run with an empty environment, so no PATH search. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/bin:/bin").split(":")) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const UNSHARE = onPath("unshare");
const LDD = onPath("ldd");

/**
 * The files `ldd` lists for `binary`: `name => /path (addr)` and the loader's `/path (addr)`; the vDSO has
 * no file. A static executable ("not a dynamic executable" / "statically linked") needs none.
 */
export function sharedLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync(LDD ?? "ldd", [binary], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const text = `${(e as { stdout?: string }).stdout ?? ""}${(e as { stderr?: string }).stderr ?? ""}`;
    if (/not a dynamic executable|statically linked/.test(text)) return [];
    throw new Error(`ldd ${binary} failed: ${text || (e as Error).message}`);
  }
  if (/statically linked/.test(out)) return [];
  const paths: string[] = [];
  for (const line of out.split("\n")) {
    if (/not found/.test(line)) throw new Error(`ldd ${binary}: a library is missing: ${line.trim()}`);
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (m) paths.push(m[1]);
  }
  return paths;
}

/** Why the empty-root test cannot run on this machine, or undefined when it can. */
export function unavailableReason(): string | undefined {
  if (process.platform !== "linux") return `chroot/unshare needs Linux (this is ${process.platform})`;
  if (!existsSync(BINARY)) {
    return `${BINARY} does not exist: build it with 'npm run build' (or set TSBGP_BIN to a compiled tsbgp)`;
  }
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    return "entering an empty root (chroot and mounting /proc) needs root; this test runs as a normal user";
  }
  if (!UNSHARE) return "'unshare' (util-linux) is not on $PATH";
  if (!LDD) return "'ldd' (glibc) is not on $PATH";
  return undefined;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class EmptyRoot {
  readonly dir: string;
  /** The library paths copied in (as ldd printed them). */
  readonly libraries: readonly string[];

  private constructor(dir: string, libraries: readonly string[]) {
    this.dir = dir;
    this.libraries = libraries;
  }

  /** A fresh root holding `binary` at /tsbgp, its libraries and an empty /proc. */
  static create(binary: string = BINARY): EmptyRoot {
    const dir = makeTempDir("root");
    const libraries = sharedLibraries(binary);
    // copyFileSync follows symlinks: /lib64/ld-linux-x86-64.so.2 is a link on Debian; the root gets the file.
    for (const lib of libraries) {
      mkdirSync(join(dir, dirname(lib)), { recursive: true });
      copyFileSync(lib, join(dir, lib));
    }
    copyFileSync(binary, join(dir, INSIDE));
    mkdirSync(join(dir, "proc"), { mode: 0o555 });
    return new EmptyRoot(dir, libraries);
  }

  /** Writes a file at `path` (absolute inside the root) and returns that path. */
  put(path: string, text: string): string {
    writeFileSync(join(this.dir, path), text);
    return path;
  }

  /** Every file and directory in the root, as absolute paths inside it, sorted; directories end in "/". */
  list(): string[] {
    const walk = (rel: string): string[] =>
      readdirSync(join(this.dir, rel)).flatMap((name) => {
        const path = `${rel}/${name}`;
        return statSync(join(this.dir, path)).isDirectory() ? [`${path}/`, ...walk(path)] : [path];
      });
    return walk("").sort();
  }

  /** unshare's argv for `tsbgp ARGS…` inside the root, with or without the procfs. */
  argv(args: readonly string[], proc = true): string[] {
    return ["--mount", `--root=${this.dir}`, ...(proc ? ["--mount-proc"] : []), INSIDE, ...args];
  }

  /** Runs `tsbgp ARGS…` in the root to completion with only `env` (killed after `timeoutMs`). */
  run(
    args: readonly string[],
    options: { env?: Record<string, string>; proc?: boolean; timeoutMs?: number } = {},
  ): Promise<RunResult> {
    return new Promise((resolve) => {
      execFile(
        UNSHARE ?? "unshare",
        this.argv(args, options.proc ?? true),
        {
          env: options.env ?? {},
          timeout: options.timeoutMs ?? 30_000,
          killSignal: "SIGKILL",
          encoding: "utf8",
        },
        (error, stdout, stderr) => {
          const e = error as { code?: number | string; signal?: string | null } | null;
          resolve({
            code: e === null ? 0 : typeof e.code === "number" ? e.code : null,
            signal: e?.signal ?? null,
            stdout,
            stderr,
          });
        },
      );
    });
  }

  /** Starts `tsbgp ARGS…` in the root as a long-running process with only `env`; stop it by its PID. */
  start(args: readonly string[], env: Record<string, string> = {}): SpeakerProcess {
    return new SpeakerProcess(
      spawn(UNSHARE ?? "unshare", this.argv(args), { env, stdio: ["ignore", "pipe", "pipe"] }),
    );
  }

  remove(): void {
    removeTempDir(this.dir);
  }
}
