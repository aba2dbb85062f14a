/**
 * MPLS label stacks as BGP carries them (RFC 8277 §2, RFC 3032 §2.1): 3 octets per label, the 20-bit label
 * value in the high bits, then 3 bits (TC, formerly EXP) and the bottom-of-stack bit (S) last. The stack is
 * kept as its raw octets; values are derived when shown. Shared by labeled unicast, mpls-vpn, EVPN, VPLS, MUP.
 */

export const LABEL_SIZE = 3;
export const MAX_LABEL = 0xfffff;
/** RFC 8277 §2.4: the label field of a withdraw may be this value (RFC 3107 used it for "no label"). */
export const WITHDRAW_LABEL = 0x800000;

/** The label values → raw stack, with the bottom-of-stack bit on the last one (ExaBGP's Labels(…, bos=True)). */
export function encodeLabels(values: readonly number[], bottomOfStack = true): Uint8Array {
  const out = new Uint8Array(values.length * LABEL_SIZE);
  for (let k = 0; k < values.length; k++) {
    const raw = (values[k] << 4) | (bottomOfStack && k === values.length - 1 ? 1 : 0);
    out[k * 3] = (raw >>> 16) & 0xff;
    out[k * 3 + 1] = (raw >>> 8) & 0xff;
    out[k * 3 + 2] = raw & 0xff;
  }
  return out;
}

/** The raw 24-bit entry `k` of a stack. */
export function rawLabel(stack: Uint8Array, k: number): number {
  return (stack[k * 3] << 16) | (stack[k * 3 + 1] << 8) | stack[k * 3 + 2];
}

/** The 20-bit label values of a stack. */
export function labelValues(stack: Uint8Array): number[] {
  const out: number[] = [];
  for (let k = 0; k * 3 < stack.length; k++) out.push(rawLabel(stack, k) >>> 4);
  return out;
}

/**
 * Octets of the label stack that starts at `offset`, reading at most `maxLabels` entries: it ends at the
 * entry with the bottom-of-stack bit, or at 0x000000 / 0x800000, which a sender may put in place of a stack
 * (RFC 8277 §2.4; ExaBGP's inet.py stops there too).
 */
export function labelStackLength(bytes: Uint8Array, offset: number, maxLabels: number): number {
  let k = 0;
  while (k < maxLabels && offset + k * 3 + 3 <= bytes.length) {
    const raw = (bytes[offset + k * 3] << 16) | (bytes[offset + k * 3 + 1] << 8) | bytes[offset + k * 3 + 2];
    k++;
    if (raw & 1 || raw === 0 || raw === WITHDRAW_LABEL) break;
  }
  return k * 3;
}

/** ExaBGP's text: " label 1000" for one label, " label [ 1 2 ]" for more, "" for none (qualifier/labels.py). */
export function labelsToString(stack: Uint8Array): string {
  const values = labelValues(stack);
  if (values.length === 0) return "";
  return values.length === 1 ? ` label ${values[0]}` : ` label [ ${values.join(" ")} ]`;
}

/** ExaBGP's JSON value: [[value, raw], …] for a stack read from the wire. */
export function labelsJson(stack: Uint8Array): string {
  const parts: string[] = [];
  for (let k = 0; k * 3 < stack.length; k++) {
    const raw = rawLabel(stack, k);
    parts.push(`[${raw >>> 4}, ${raw}]`);
  }
  return `[ ${parts.join(", ")} ]`;
}
