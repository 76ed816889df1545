/**
 * Jets: a batch of points carrying the value and every needed partial derivative of a feature map.
 *
 * A jet over N points with feature width w holds one [N, w] array per channel of its layout, or
 * `null` for a channel known to be identically zero (the input's second derivatives, say), which
 * lets every rule skip work. All functions follow jax-js's ownership rule: they consume the jets
 * they are given and return new ones.
 *
 * Reference: the Taylor-mode idea is Griewank & Walther, "Evaluating Derivatives" (2008), ch. 13;
 * its use for PINN residuals is discussed in Bettencourt, Johnson & Duvenaud (2019).
 */
import { lax, np } from "../engine/index.js";
import type { JetLayout } from "./multiindex.js";

/** A channel array [N, w], or null when the channel is identically zero. */
export type Channel = np.Array | null;

/** A jet: layout plus one channel per multi-index of the layout. */
export interface Jet {
  readonly layout: JetLayout;
  readonly ch: Channel[];
}

/** Elementwise activations with derivatives up to order 4. */
export type Activation = "tanh" | "sin" | "gelu";

/** A second reference to a jet (each channel's refcount +1): use when a jet is consumed twice. */
export function refJet(j: Jet): Jet {
  return { layout: j.layout, ch: j.ch.map((c) => c?.ref ?? null) };
}

/** Release every channel of a jet. */
export function disposeJet(j: Jet): void {
  for (const c of j.ch) c?.dispose();
}

/**
 * The jet of the identity map on the inputs.
 * @param layout channel layout (dims must equal X's columns)
 * @param X [N, dims] points (consumed)
 * @returns value = X, d/dx_i = e_i broadcast over the points, higher orders zero
 */
export function inputJet(layout: JetLayout, X: np.Array): Jet {
  const [n, d] = X.shape;
  if (d !== layout.dims) throw new Error(`inputJet: X has ${d} columns, layout ${layout.dims}`);
  const ch: Channel[] = layout.channels.map((mi) => {
    if (mi.length !== 1) return null;
    const onehot = X.dtype === np.float64 ? new Float64Array(d) : new Float32Array(d);
    onehot[mi[0]] = 1;
    return np.broadcastTo(np.array(onehot, { shape: [1, d], dtype: X.dtype }), [n, d]);
  });
  ch[0] = X;
  return { layout, ch };
}

/**
 * Affine layer on every channel with one matrix product: stack the K non-zero channels as a
 * [K*N, in] matrix, multiply by W [in, out] once, add b [out] to the value channel only
 * (derivatives of a constant vanish).
 */
export function linear(x: Jet, W: np.Array, b: np.Array | null): Jet {
  const live = x.ch.map((c, i) => (c ? i : -1)).filter((i) => i >= 0);
  const n = (x.ch[0] as np.Array).shape[0];
  const stacked =
    live.length === 1
      ? (x.ch[live[0]] as np.Array)
      : np.concatenate(
          live.map((i) => x.ch[i] as np.Array),
          0,
        );
  const y = np.matmul(stacked, W);
  const ch: Channel[] = x.ch.map(() => null);
  if (live.length === 1) ch[live[0]] = y;
  else {
    live.forEach((chan, k) => {
      ch[chan] = y.ref.slice([k * n, (k + 1) * n]);
    });
    y.dispose();
  }
  if (b) ch[0] = (ch[0] as np.Array).add(b);
  return { layout: x.layout, ch };
}

/** Mixes of a polynomial in t: sum_k c[k] t^k by Horner's rule (consumes t). */
function poly(t: np.Array, c: readonly number[]): np.Array {
  let acc = t.ref.mul(c[c.length - 1]);
  for (let k = c.length - 2; k >= 1; k--) acc = acc.add(c[k]).mul(t.ref);
  t.dispose();
  return c[0] === 0 ? acc : acc.add(c[0]);
}

/**
 * f, f', ..., f^(order) of an activation at z (consumed).
 * tanh's derivatives are polynomials in t = tanh z; gelu is the exact x * Phi(x) form.
 */
export function activationDerivatives(act: Activation, z: np.Array, order: number): np.Array[] {
  switch (act) {
    case "tanh": {
      const t = np.tanh(z);
      // d/dz p(t) = p'(t) (1 - t^2)
      const polys = [
        [0, 1],
        [1, 0, -1],
        [0, -2, 0, 2],
        [-2, 0, 8, 0, -6],
        [0, 16, 0, -40, 0, 24],
      ];
      const out = [t.ref];
      for (let k = 1; k <= order; k++) out.push(poly(t.ref, polys[k]));
      t.dispose();
      return out;
    }
    case "sin": {
      const s = np.sin(z.ref);
      const c = order >= 1 ? np.cos(z) : (z.dispose(), null);
      const out: np.Array[] = [];
      for (let k = 0; k <= order; k++) {
        const base = k % 2 === 0 ? s : (c as np.Array);
        const sign = k % 4 < 2 ? 1 : -1;
        out.push(sign === 1 ? base.ref : base.ref.neg());
      }
      s.dispose();
      c?.dispose();
      return out;
    }
    case "gelu": {
      const phi = np.exp(z.ref.mul(z.ref).mul(-0.5)).mul(1 / Math.sqrt(2 * Math.PI));
      const Phi = lax.erf(z.ref.mul(Math.SQRT1_2)).add(1).mul(0.5);
      const out = [z.ref.mul(Phi.ref)];
      if (order >= 1) out.push(Phi.ref.add(z.ref.mul(phi.ref)));
      const polys = [
        [2, 0, -1],
        [0, -4, 0, 1],
        [-4, 0, 7, 0, -1],
      ];
      for (let k = 2; k <= order; k++) out.push(phi.ref.mul(poly(z.ref, polys[k - 2])));
      Phi.dispose();
      phi.dispose();
      z.dispose();
      return out;
    }
    default: {
      const never: never = act;
      throw new Error(`unknown activation ${String(never)}`);
    }
  }
}

/** Sum of coefficient-weighted products, or null when there are no terms. */
function sumProducts(terms: { coef: number; factors: np.Array[] }[]): Channel {
  let acc: np.Array | null = null;
  for (const { coef, factors } of terms) {
    let p = factors[0];
    for (let i = 1; i < factors.length; i++) p = p.mul(factors[i]);
    if (coef !== 1) p = p.mul(coef);
    acc = acc ? acc.add(p) : p;
  }
  return acc;
}

/** Apply an elementwise function to a jet by Faa di Bruno's formula (consumes x). */
export function activate(x: Jet, act: Activation): Jet {
  return elementwise(x, (z, order) => activationDerivatives(act, z, order));
}

/**
 * Apply any elementwise function f to a jet by Faa di Bruno's formula (consumes x); `derivs(z, k)`
 * returns [f(z), f'(z), ..., f^(k)(z)] and consumes z. Used by the activations and by the known
 * functions of hard constraints (exp, sin, cos).
 */
export function elementwise(x: Jet, derivs: (z: np.Array, order: number) => np.Array[]): Jet {
  const { layout } = x;
  // products of live lower channels can feed any channel, so every order up to the layout's is needed
  const order = layout.maxOrder;
  const f = derivs((x.ch[0] as np.Array).ref, order);
  const ch: Channel[] = layout.fdb.map((terms) => {
    const live = terms.filter((t) => t.channels.every((c) => x.ch[c] !== null));
    return sumProducts(
      live.map((t) => ({
        coef: t.coef,
        factors: [f[t.order].ref, ...t.channels.map((c) => (x.ch[c] as np.Array).ref)],
      })),
    );
  });
  for (const a of f) a.dispose();
  disposeJet(x);
  return { layout, ch };
}

/** Product of two jets of equal width by Leibniz's rule (consumes both). */
export function mulJets(a: Jet, b: Jet): Jet {
  const ch: Channel[] = a.layout.leibniz.map((terms) =>
    sumProducts(
      terms
        .filter((t) => a.ch[t.left] !== null && b.ch[t.right] !== null)
        .map((t) => ({
          coef: t.coef,
          factors: [(a.ch[t.left] as np.Array).ref, (b.ch[t.right] as np.Array).ref],
        })),
    ),
  );
  disposeJet(a);
  disposeJet(b);
  return { layout: a.layout, ch };
}

/** Channel-wise a + b (consumes both). */
export function addJets(a: Jet, b: Jet): Jet {
  const ch = a.ch.map((ca, i) => {
    const cb = b.ch[i];
    if (ca && cb) return ca.add(cb);
    return ca ?? cb;
  });
  return { layout: a.layout, ch };
}

/** Channel-wise a - b (consumes both). */
export function subJets(a: Jet, b: Jet): Jet {
  const ch = a.ch.map((ca, i) => {
    const cb = b.ch[i];
    if (ca && cb) return ca.sub(cb);
    return ca ?? (cb ? cb.neg() : null);
  });
  return { layout: a.layout, ch };
}

/** Jet of the constant c minus x (consumes x). */
export function rsubScalar(c: number, x: Jet): Jet {
  return {
    layout: x.layout,
    ch: x.ch.map((v, i) => (v ? (i === 0 ? v.neg().add(c) : v.neg()) : null)),
  };
}

/** Concatenate jets along the feature axis (consumes them); zero channels are materialised. */
export function concatJets(parts: Jet[]): Jet {
  const layout = parts[0].layout;
  const n = (parts[0].ch[0] as np.Array).shape[0];
  const widths = parts.map((p) => (p.ch[0] as np.Array).shape[1]);
  const dtype = (parts[0].ch[0] as np.Array).dtype;
  const ch: Channel[] = layout.channels.map((_, c) => {
    if (parts.every((p) => p.ch[c] === null)) return null;
    return np.concatenate(
      parts.map((p, k) => p.ch[c] ?? np.zeros([n, widths[k]], { dtype })),
      1,
    );
  });
  return { layout, ch };
}

/** Apply a function to every non-zero channel of a jet (a linear map, e.g. scaling or slicing). */
export function mapLinear(x: Jet, f: (c: np.Array, index: number) => np.Array): Jet {
  return { layout: x.layout, ch: x.ch.map((c, i) => (c ? f(c, i) : null)) };
}
