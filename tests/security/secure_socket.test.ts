/**
 * The FFI sockets of lib/runtime (TCP-MD5, RFC 2385; GTSM, RFC 5082) between two of our own sockets on
 * loopback, through the running runtime's adapter (Deno: Deno.dlopen + node:net fd adoption; Bun: bun:ffi +
 * Bun.connect/listen({fd})): the C structures' layout, the key derivation of ExaBGP's md5 options, a
 * matching key or TTL connects and carries data, a wrong or missing one is dropped by the kernel, and the
 * error when FFI is unavailable names what needs it.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { runtime } from "../../lib/runtime/mod.ts";
import { AF_INET6, FfiUnavailableError } from "../../lib/runtime/libc.ts";
import { withSecurity } from "../../lib/runtime/secure_net.ts";
import { nodeNet } from "../../lib/runtime/node_net.ts";
import { sockaddr, tcpMd5sig } from "../../lib/runtime/sockaddr.ts";
import type { Conn, ConnectOptions, Listener } from "../../lib/runtime/types.ts";
import { md5KeyBytes } from "../../lib/config/md5_key.ts";
import { parseConfigText, validateConfig } from "../../lib/config/load.ts";

const enc = new TextEncoder();
const KEY = enc.encode("s3cret");
/** A dropped SYN is retried for minutes: the test gives up after this. */
const DROPPED_MS = 1_500;

describe("socket structures", () => {
  it("sockaddr_in: family in host order, port in network order", () => {
    assert.deepEqual([...sockaddr("127.0.0.2", 179)], [2, 0, 0, 179, 127, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it("sockaddr_in6: 28 bytes, address after the flow info", () => {
    const b = sockaddr("::1", 0x1234);
    assert.equal(b.length, 28);
    assert.deepEqual([...b.subarray(0, 4)], [10, 0, 0x12, 0x34]);
    assert.equal(b[8 + 15], 1);
  });
  it("an IPv4 address for an IPv6 socket: ::ffff:a.b.c.d", () => {
    const b = sockaddr("127.0.0.2", 0, AF_INET6);
    assert.equal(b.length, 28);
    assert.deepEqual([...b.subarray(8, 24)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2]);
  });
  it("tcp_md5sig: 216 bytes, key length at 130, key at 136", () => {
    const b = tcpMd5sig("192.0.2.1", KEY);
    assert.equal(b.length, 216);
    assert.deepEqual([...b.subarray(0, 8)], [2, 0, 0, 0, 192, 0, 2, 1]);
    assert.deepEqual([b[130], b[131]], [6, 0]);
    assert.deepEqual(b.subarray(136, 142), KEY);
    assert.throws(() => tcpMd5sig("192.0.2.1", new Uint8Array(81)), /at most 80 bytes/);
  });
});

describe("md5 key bytes (ExaBGP md5-password / md5-base64)", () => {
  it("plain, base64 and auto", () => {
    assert.deepEqual(md5KeyBytes({ md5Password: "s3cret", md5Base64: false }), KEY);
    assert.deepEqual(md5KeyBytes({ md5Password: "czNjcmV0", md5Base64: true }), KEY);
    // auto decodes only words of lower-case hex digits (ExaBGP's rule); "s3cret" stays as written
    assert.deepEqual(md5KeyBytes({ md5Password: "s3cret", md5Base64: "auto" }), KEY);
    assert.deepEqual(
      md5KeyBytes({ md5Password: "abcd", md5Base64: "auto" }),
      Uint8Array.from([0x69, 0xb7, 0x1d]),
    );
    assert.equal(md5KeyBytes({ md5Password: undefined, md5Base64: false }), undefined);
  });

  it("a key longer than Linux takes (80 bytes) is a configuration error naming FILE:LINE", () => {
    const conf = (pw: string) =>
      `neighbor 127.0.0.2 {\n  local-as 1;\n  peer-as 2;\n  router-id 192.0.2.1;\n  md5-password "${pw}";\n}\n`;
    assert.deepEqual(validateConfig(parseConfigText(conf("k".repeat(80)), "ok.conf")), []);
    assert.match(
      validateConfig(parseConfigText(conf("k".repeat(81)), "long.conf")).join("\n"),
      /long\.conf:1: neighbor 127\.0\.0\.2: md5-password is 81 bytes, at most 80 are allowed/,
    );
  });
});

async function echoOnce(listener: Listener): Promise<void> {
  for await (const c of listener) {
    const r = c.readable.getReader();
    const w = c.writable.getWriter();
    const { value } = await r.read();
    if (value) await w.write(value);
    r.releaseLock();
    w.releaseLock();
    return;
  }
}

async function roundTrip(conn: Conn, text: string): Promise<string> {
  const w = conn.writable.getWriter();
  const r = conn.readable.getReader();
  await w.write(enc.encode(text));
  const { value } = await r.read();
  w.releaseLock();
  r.releaseLock();
  return new TextDecoder().decode(value);
}

/** Resolves to "connected" or the error's name ("TimeoutError" when the kernel dropped the SYN). */
async function outcome(o: ConnectOptions): Promise<string> {
  try {
    const c = await runtime.net.connect({ ...o, signal: AbortSignal.timeout(DROPPED_MS) });
    c.close();
    return "connected";
  } catch (e) {
    return (e as Error).name;
  }
}

describe(`FFI sockets through the ${runtime.name} adapter`, () => {
  const listeners: Listener[] = [];
  after(() => {
    for (const l of listeners) l.close();
  });

  it("TCP-MD5: the right key connects and carries data; a wrong or no key is dropped", async () => {
    const l = await runtime.net.listen({
      host: "127.0.0.1",
      port: 0,
      security: { md5: [{ address: "127.0.0.2", key: KEY }] },
    });
    listeners.push(l);
    assert.ok(l.addr.port > 0);
    const served = echoOnce(l);
    const to = { host: "127.0.0.1", port: l.addr.port, localAddress: "127.0.0.2" };
    const conn = await runtime.net.connect({ ...to, security: { md5: { address: "127.0.0.1", key: KEY } } });
    assert.equal(conn.localAddr.address, "127.0.0.2");
    assert.equal(conn.remoteAddr.port, l.addr.port);
    assert.equal(await roundTrip(conn, "signed"), "signed");
    conn.close();
    await served;

    const wrong = { md5: { address: "127.0.0.1", key: enc.encode("wrong") } };
    assert.equal(await outcome({ ...to, security: wrong }), "TimeoutError");
    assert.equal(await outcome(to), "TimeoutError");
  });

  it("GTSM: a listener with minimum TTL 255 takes TTL 255 and drops the default TTL", async () => {
    const l = await runtime.net.listen({ host: "127.0.0.1", port: 0, security: { ttl: 255, minTtl: 255 } });
    listeners.push(l);
    const served = echoOnce(l);
    const to = { host: "127.0.0.1", port: l.addr.port };
    const conn = await runtime.net.connect({ ...to, security: { ttl: 255, minTtl: 255 } });
    assert.equal(await roundTrip(conn, "gtsm"), "gtsm");
    conn.close();
    await served;
    assert.equal(await outcome({ ...to, security: { ttl: 64 } }), "TimeoutError");
    assert.equal(await outcome(to), "TimeoutError");
  });

  it("IPv6: TCP-MD5 and hop limits on ::1", async () => {
    const l = await runtime.net.listen({
      host: "::1",
      port: 0,
      security: { md5: [{ address: "::1", key: KEY }], ttl: 255, minTtl: 255 },
    });
    listeners.push(l);
    const served = echoOnce(l);
    const to = { host: "::1", port: l.addr.port };
    const conn = await runtime.net.connect({
      ...to,
      security: { md5: { address: "::1", key: KEY }, ttl: 255 },
    });
    assert.equal(conn.remoteAddr.family, "IPv6");
    assert.equal(await roundTrip(conn, "v6"), "v6");
    conn.close();
    await served;
    assert.equal(await outcome({ ...to, security: { md5: { address: "::1", key: KEY } } }), "TimeoutError");
  });

  it("a dual-stack listener (::) takes an IPv4 peer's key (given to Linux as ::ffff:a.b.c.d)", async () => {
    const l = await runtime.net.listen({
      host: "::",
      port: 0,
      security: { md5: [{ address: "127.0.0.2", key: KEY }] },
    });
    listeners.push(l);
    const served = echoOnce(l);
    const to = { host: "127.0.0.1", port: l.addr.port, localAddress: "127.0.0.2" };
    const conn = await runtime.net.connect({ ...to, security: { md5: { address: "127.0.0.1", key: KEY } } });
    assert.equal(await roundTrip(conn, "mapped"), "mapped");
    conn.close();
    await served;
    assert.equal(await outcome(to), "TimeoutError");
  });

  it("a refused connection rejects with ECONNREFUSED, not a hang", async () => {
    const l = await runtime.net.listen({ host: "127.0.0.1", port: 0 });
    const port = l.addr.port;
    l.close();
    await assert.rejects(
      runtime.net.connect({
        host: "127.0.0.1",
        port,
        security: { ttl: 255 },
        signal: AbortSignal.timeout(5_000),
      }),
      /ECONNREFUSED/,
    );
  });
});

describe("FFI unavailable", () => {
  const listeners: Listener[] = [];
  after(() => {
    for (const l of listeners) l.close();
  });
  const unavailable = () => Promise.reject(new FfiUnavailableError("injected for the test"));
  const net = withSecurity(nodeNet, unavailable, {
    adoptFd: () => Promise.reject(new Error("not reached")),
    listenFd: () => Promise.reject(new Error("not reached")),
  });

  it("connect and listen with options reject with a message naming the options and the cause", async () => {
    const expected =
      /TCP-MD5 \(md5-password\) and GTSM \(outgoing-ttl\/incoming-ttl\) need FFI .*injected for the test/;
    await assert.rejects(net.checkSecurity(), expected);
    await assert.rejects(
      net.connect({ host: "127.0.0.1", port: 9, security: { md5: { address: "127.0.0.1", key: KEY } } }),
      (e: unknown) => e instanceof FfiUnavailableError && expected.test(e.message),
    );
    await assert.rejects(net.listen({ host: "127.0.0.1", port: 0, security: { minTtl: 255 } }), expected);
  });

  it("plain sockets still work", async () => {
    const l = await net.listen({ host: "127.0.0.1", port: 0 });
    listeners.push(l);
    const served = echoOnce(l);
    const conn = await net.connect({ host: "127.0.0.1", port: l.addr.port });
    assert.equal(await roundTrip(conn, "plain"), "plain");
    conn.close();
    await served;
  });
});
