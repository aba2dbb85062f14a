/**
 * libc through Deno.dlopen (runtime.md §5). Needs --allow-ffi (`-A` includes it); without it, or off Linux,
 * the loader rejects with FfiUnavailableError saying so. Touches `Deno` only when called.
 */
import { FfiUnavailableError, type Libc, LIBC_NAME, libcFrom, type LibcLoader, once } from "./libc.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

export function loadDenoLibc(): Promise<Libc> {
  if (Deno.build.os !== "linux") {
    return Promise.reject(
      new FfiUnavailableError(`the socket options are Linux ones (this is ${Deno.build.os})`),
    );
  }
  let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    lib = Deno.dlopen(LIBC_NAME, SYMBOLS);
  } catch (e) {
    const why = e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
      ? "Deno runs without FFI permission (start it with --allow-ffi, or -A)"
      : `Deno.dlopen("${LIBC_NAME}") failed: ${(e as Error).message}`;
    return Promise.reject(new FfiUnavailableError(why));
  }
  const s = lib.symbols;
  return Promise.resolve(libcFrom(s, () => {
    const p = s.__errno_location();
    return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
  }));
}

/** Loaded on first use, once per process. */
export const denoLibc: LibcLoader = once(loadDenoLibc);
