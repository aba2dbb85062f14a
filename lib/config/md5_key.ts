/** The TCP-MD5 key (RFC 2385) a neighbor's `md5-password` and `md5-base64` options stand for. */
import type { NeighborConfig } from "./model.ts";

const encoder = new TextEncoder();

function base64Bytes(text: string): Uint8Array {
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/**
 * The key bytes, as ExaBGP derives them (reactor/network/tcp.py): `md5-base64 true` decodes the password;
 * `auto` decodes it when it is made of lower-case hex digits only and decodes as base64 with up to two
 * `=` of padding added; otherwise the password's own bytes. Throws on invalid base64 with `true`
 * (validateConfig reports that first).
 */
export function md5KeyBytes(n: Pick<NeighborConfig, "md5Password" | "md5Base64">): Uint8Array | undefined {
  const pw = n.md5Password;
  if (pw === undefined || pw === "") return undefined;
  if (n.md5Base64 === true) return base64Bytes(pw);
  if (n.md5Base64 === "auto" && /^[a-f0-9]*$/.test(pw)) {
    for (const candidate of [pw, pw + "=", pw + "=="]) {
      try {
        return base64Bytes(candidate);
      } catch {
        // not valid with this padding: try the next
      }
    }
  }
  return encoder.encode(pw);
}
