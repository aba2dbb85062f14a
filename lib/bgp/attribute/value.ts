/**
 * Shared helpers of the attribute value codecs: big-endian reads/writes and the error a value decoder
 * throws when the value is malformed. The attribute codec turns that error into the RFC 7606 action the
 * attribute's table entry names (treat-as-withdraw or attribute-discard).
 */

export class MalformedValue extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "MalformedValue";
  }
}

export function readU16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}

export function readU32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

export function writeU16(out: Uint8Array, i: number, v: number): void {
  out[i] = (v >>> 8) & 0xff;
  out[i + 1] = v & 0xff;
}

export function writeU32(out: Uint8Array, i: number, v: number): void {
  out[i] = v >>> 24;
  out[i + 1] = (v >>> 16) & 0xff;
  out[i + 2] = (v >>> 8) & 0xff;
  out[i + 3] = v & 0xff;
}

export function u32Bytes(v: number): Uint8Array {
  const out = new Uint8Array(4);
  writeU32(out, 0, v);
  return out;
}

/** Throws MalformedValue unless the value has exactly `length` bytes (RFC 7606 §7: fixed-size attributes). */
export function expectLength(v: Uint8Array, length: number, name: string): void {
  if (v.length !== length) throw new MalformedValue(`${name}: length ${v.length}, expected ${length}`);
}

/** Throws MalformedValue unless the value is a whole number of `unit`-byte items. */
export function expectMultiple(v: Uint8Array, unit: number, name: string, allowEmpty = true): void {
  if (v.length % unit !== 0 || (!allowEmpty && v.length === 0)) {
    throw new MalformedValue(`${name}: length ${v.length} is not a multiple of ${unit}`);
  }
}
