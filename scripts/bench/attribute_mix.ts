/**
 * A realistic mix of path attributes for the N prefixes of a received table (Wire → JSON): consecutive
 * prefixes share one attribute set in runs of 1 to 40 (3.2 prefixes per set on average, so about 310k
 * UPDATEs per million prefixes, as a full table from a transit peer), AS paths of 1 to 10 ASNs with some
 * 4-octet ASNs and prepending, 0 to 8 communities, a few large communities, MED on 40% of the sets, ORIGIN
 * mostly IGP. Deterministic (seeded), so the raw sender and BIRD send the same table in every run.
 */

export type Origin = 0 | 1 | 2; // RFC 4271 §5.1.1: IGP, EGP, INCOMPLETE

export interface AttributeSet {
  readonly origin: Origin;
  /** The AS path after the sender's own AS (which the sender prepends itself, as any eBGP speaker). */
  readonly path: readonly number[];
  readonly med?: number;
  /** RFC 1997 communities as 32-bit values (ASN << 16 | value). */
  readonly communities: readonly number[];
  /** RFC 8092 large communities. */
  readonly large: readonly (readonly [number, number, number])[];
}

/** Prefixes first … first + count - 1 carry `attributes`. */
export interface Group {
  readonly first: number;
  readonly count: number;
  readonly attributes: AttributeSet;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks from a table of [cumulative probability, value] rows. */
function pick<T>(r: number, table: readonly (readonly [number, T])[]): T {
  for (const [p, v] of table) if (r < p) return v;
  return table[table.length - 1][1];
}

const RUN_LENGTH: readonly (readonly [number, readonly [number, number]])[] = [
  [0.60, [1, 1]],
  [0.85, [2, 4]],
  [0.97, [5, 12]],
  [1.00, [13, 40]],
];
const PATH_LENGTH: readonly (readonly [number, number])[] = [
  [0.05, 1],
  [0.20, 2],
  [0.45, 3],
  [0.70, 4],
  [0.85, 5],
  [0.93, 6],
  [0.97, 7],
  [1.00, 9],
];
const ORIGIN: readonly (readonly [number, Origin])[] = [[0.85, 0], [0.87, 1], [1.00, 2]];

function attributeSet(r: () => number): AttributeSet {
  const between = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  // Public 2-octet ASNs mostly, 4-octet ones (RFC 6793) for 15%.
  const asn = () => (r() < 0.15 ? between(131072, 401308) : between(1, 64495));
  const path: number[] = [];
  for (let i = pick(r(), PATH_LENGTH) - 1; i >= 0; i--) path.push(asn());
  if (path.length > 0 && r() < 0.1) {
    for (let i = between(1, 3); i > 0; i--) {
      path.push(path[path.length - 1]);
    }
  }
  const communities: number[] = [];
  if (r() >= 0.35) {
    const owner = path.find((a) => a <= 0xffff) ?? 65000;
    for (let i = between(1, 8); i > 0; i--) communities.push(((owner << 16) | between(1, 9999)) >>> 0);
  }
  const large: [number, number, number][] = [];
  if (r() < 0.1) {
    for (let i = between(1, 2); i > 0; i--) large.push([asn(), between(1, 999), between(1, 999)]);
  }
  const med = r() < 0.4 ? between(0, 1000) : undefined;
  return { origin: pick(r(), ORIGIN), path, med, communities, large };
}

/** The groups covering prefixes 0 … n - 1, in order. */
export function* attributeGroups(n: number, seed = 20240601): Generator<Group> {
  const r = random(seed);
  for (let first = 0; first < n;) {
    const [lo, hi] = pick(r(), RUN_LENGTH);
    const count = Math.min(n - first, lo + Math.floor(r() * (hi - lo + 1)));
    yield { first, count, attributes: attributeSet(r) };
    first += count;
  }
}
