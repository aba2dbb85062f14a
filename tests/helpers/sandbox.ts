/** Temporary directories and free loopback ports for tests that start processes. */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory under the system temp dir; remove it with `removeTempDir`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `tsbgp-${prefix}-`));
}

export function removeTempDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** A TCP port free on `host` right now (the kernel's choice; closed again before returning). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** ExaBGP JSON without the keys that differ per run (ExaBGP's decoding vectors are compared this way). */
export function withoutVolatileKeys(line: string): unknown {
  const o = JSON.parse(line) as Record<string, unknown>;
  for (const k of ["exabgp", "host", "pid", "ppid", "time", "version"]) delete o[k];
  return o;
}
