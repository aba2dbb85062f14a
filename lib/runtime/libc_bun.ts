/**
 * libc through bun:ffi (runtime.md §5; it also works inside a `bun build --compile` binary). bun:ffi is
 * imported dynamically so that Deno, which cannot resolve it, never loads it.
 */
import process from "node:process";
import { FfiUnavailableError, type Libc, LIBC_NAME, libcFrom, type LibcLoader, once } from "./libc.ts";

export async function loadBunLibc(): Promise<Libc> {
  if (process.platform !== "linux") {
    throw new FfiUnavailableError(`the socket options are Linux ones (this is ${process.platform})`);
  }
  let ffi: typeof import("bun:ffi");
  try {
    ffi = await import("bun:ffi");
  } catch (e) {
    throw new FfiUnavailableError(`bun:ffi cannot be loaded: ${(e as Error).message}`);
  }
  const { FFIType: T, dlopen, read } = ffi;
  let lib;
  try {
    lib = dlopen(LIBC_NAME, {
      socket: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
      setsockopt: { args: [T.i32, T.i32, T.i32, T.ptr, T.u32], returns: T.i32 },
      getsockopt: { args: [T.i32, T.i32, T.i32, T.ptr, T.ptr], returns: T.i32 },
      bind: { args: [T.i32, T.ptr, T.u32], returns: T.i32 },
      connect: { args: [T.i32, T.ptr, T.u32], returns: T.i32 },
      listen: { args: [T.i32, T.i32], returns: T.i32 },
      getsockname: { args: [T.i32, T.ptr, T.ptr], returns: T.i32 },
      poll: { args: [T.ptr, T.u64, T.i32], returns: T.i32 },
      fcntl: { args: [T.i32, T.i32, T.i32], returns: T.i32 },
      close: { args: [T.i32], returns: T.i32 },
      __errno_location: { args: [], returns: T.ptr },
    });
  } catch (e) {
    throw new FfiUnavailableError(`dlopen("${LIBC_NAME}") failed: ${(e as Error).message}`);
  }
  const s = lib.symbols;
  return libcFrom(s, () => {
    const p = s.__errno_location();
    return p === null ? 0 : read.i32(p, 0);
  });
}

/** Loaded on first use, once per process. */
export const bunLibc: LibcLoader = once(loadBunLibc);
