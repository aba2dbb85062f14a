/**
 * The C structures the FFI socket calls take, as bytes (Linux layouts, little-endian hosts: x86_64 and
 * aarch64). Pure functions.
 */
import { ipToBytes, isIPv4, normaliseAddress } from "../bgp/ip.ts";
import { AF_INET, AF_INET6 } from "./libc.ts";

/** TCP_MD5SIG_MAXKEYLEN (linux/tcp.h). */
export const MD5_MAX_KEY = 80;
const SOCKADDR_STORAGE = 128;
const MD5SIG_SIZE = SOCKADDR_STORAGE + 8 + MD5_MAX_KEY;

/**
 * struct sockaddr_in (16 bytes) for an IPv4 address, struct sockaddr_in6 (28 bytes) otherwise. `family`
 * AF_INET6 with an IPv4 address gives its IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), which is how
 * an IPv6 socket names an IPv4 peer.
 */
export function sockaddr(address: string, port: number, family = addressFamily(address)): Uint8Array {
  const ip = ipToBytes(normaliseAddress(address));
  const v4 = family === AF_INET;
  const out = new Uint8Array(v4 ? 16 : 28);
  const v = new DataView(out.buffer);
  v.setUint16(0, family, true); // sa_family: host order
  v.setUint16(2, port, false); // sin_port: network order
  if (v4) out.set(ip, 4);
  else if (ip.length === 4) {
    out.set([0xff, 0xff], 8 + 10); // sin6_addr (after sin6_flowinfo): ::ffff:a.b.c.d
    out.set(ip, 8 + 12);
  } else out.set(ip, 8);
  return out;
}

export function addressFamily(address: string): number {
  return isIPv4(normaliseAddress(address)) ? AF_INET : AF_INET6;
}

/**
 * struct tcp_md5sig (linux/tcp.h): the peer's sockaddr_storage, flags, prefix length, key length (u16 at
 * 130), ifindex, then the key (at most 80 bytes, RFC 2385 §4.5 leaves the length open). An empty key
 * removes the peer's key.
 */
export function tcpMd5sig(peer: string, key: Uint8Array, family = addressFamily(peer)): Uint8Array {
  if (key.byteLength > MD5_MAX_KEY) {
    throw new RangeError(`a TCP-MD5 key is at most ${MD5_MAX_KEY} bytes (this one has ${key.byteLength})`);
  }
  const out = new Uint8Array(MD5SIG_SIZE);
  out.set(sockaddr(peer, 0, family), 0);
  new DataView(out.buffer).setUint16(SOCKADDR_STORAGE + 2, key.byteLength, true);
  out.set(key, SOCKADDR_STORAGE + 8);
  return out;
}

/** A 4-byte C int (socket option values), host order. */
export function cInt(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, value, true);
  return out;
}

export function readCInt(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
}

/** struct pollfd { int fd; short events; short revents; } */
export function pollfd(fd: number, events: number): Uint8Array {
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setInt32(0, fd, true);
  v.setInt16(4, events, true);
  return out;
}

export function pollRevents(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 8).getInt16(6, true);
}

/** The port of a struct sockaddr_in / sockaddr_in6 (same offset in both). */
export function sockaddrPort(b: Uint8Array): number {
  return (b[2] << 8) | b[3];
}
