/**
 * A small, fast, seedable PRNG (xoshiro128**, Blackman & Vigna 2018) used for everything random
 * outside jax-js: parameter initialisation and collocation sampling. Its whole state is four 32-bit
 * words, so a run's randomness is checkpointed exactly and `--seed` makes runs reproducible.
 */

/** The PRNG state: four uint32 words. */
export type RngState = readonly [number, number, number, number];

/** splitmix32 expands a seed into well-mixed state words. */
function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** A mutable generator; `state()` snapshots it for checkpoints. */
export class Rng {
  private s: Uint32Array;

  constructor(seedOrState: number | RngState) {
    if (typeof seedOrState === "number") {
      const sm = splitmix32(seedOrState >>> 0);
      this.s = Uint32Array.of(sm(), sm(), sm(), sm());
    } else {
      this.s = Uint32Array.from(seedOrState);
    }
  }

  /** Snapshot of the state (restores with `new Rng(state)`). */
  state(): RngState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  /** Next uint32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box-Muller; one draw per call for simple state bookkeeping). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
