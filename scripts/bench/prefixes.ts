/**
 * The benchmark's N distinct IPv4 prefixes, the same set as the reference measurements
 * (/work/shared/reference/peers/README.md §6): prefix i lies in its own /24 counted from 11.0.0.0 and its
 * length cycles /24 … /32, so NLRI are 4 or 5 octets (RFC 4271 §4.3). Computed, never stored: 1M prefixes
 * cost nothing until written out.
 */

const BASE = 11 << 24;

/** The largest N the address plan holds (11.0.0.0 up to 255.255.255.0). */
export const MAX_PREFIXES = (256 - 11) << 16;

export function prefixAddress(i: number): number {
  return (BASE + i * 256) >>> 0;
}

export function prefixLength(i: number): number {
  return 24 + (i % 9);
}

export function prefixText(i: number): string {
  const a = prefixAddress(i);
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/${prefixLength(i)}`;
}

/** The index of the prefix whose address is `address`, or -1 when it is not one of the bench's. */
export function prefixIndex(address: number): number {
  const offset = address - BASE;
  return offset >= 0 && (offset & 255) === 0 ? offset >>> 8 : -1;
}

/** Writes prefix i as an RFC 4271 §4.3 NLRI (length octet + significant octets) at `at`; returns the end. */
export function writePrefix(i: number, out: Uint8Array, at: number): number {
  const a = prefixAddress(i);
  const length = prefixLength(i);
  out[at++] = length;
  out[at++] = a >>> 24;
  out[at++] = (a >>> 16) & 255;
  out[at++] = (a >>> 8) & 255;
  if (length > 24) out[at++] = 0;
  return at;
}

export function prefixWireLength(i: number): number {
  return prefixLength(i) > 24 ? 5 : 4;
}

/**
 * Which of the N prefixes have arrived: one bit each, so a receiver counts distinct prefixes exactly (a
 * prefix sent twice counts once) at the cost of N/8 bytes.
 */
export class PrefixSet {
  readonly #bits: Uint8Array;
  #size = 0;
  #foreign = 0;

  constructor(readonly capacity: number) {
    this.#bits = new Uint8Array((capacity + 7) >>> 3);
  }

  /** Distinct bench prefixes seen. */
  get size(): number {
    return this.#size;
  }

  /** Prefixes that are not the bench's (a bug in the sender, or another route in the table). */
  get foreign(): number {
    return this.#foreign;
  }

  add(address: number, length: number): void {
    const i = prefixIndex(address);
    if (i < 0 || i >= this.capacity || prefixLength(i) !== length) {
      this.#foreign++;
      return;
    }
    const mask = 1 << (i & 7);
    if ((this.#bits[i >>> 3] & mask) === 0) {
      this.#bits[i >>> 3] |= mask;
      this.#size++;
    }
  }

  delete(address: number, length: number): void {
    const i = prefixIndex(address);
    if (i < 0 || i >= this.capacity || prefixLength(i) !== length) return;
    const mask = 1 << (i & 7);
    if ((this.#bits[i >>> 3] & mask) !== 0) {
      this.#bits[i >>> 3] &= ~mask;
      this.#size--;
    }
  }
}
