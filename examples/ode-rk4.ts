/**
 * The classical fourth-order Runge-Kutta method for y' = f(t, y): the reference solution of the
 * ODE examples (Lotka-Volterra) and the data generator of the inverse ones (Lorenz), where
 * DeepXDE reads a data file we do not have.
 */

/** y at every t of `ts` (ascending, ts[0] the initial time), with `sub` RK4 steps per interval. */
export function rk4(
  f: (t: number, y: readonly number[]) => number[],
  y0: readonly number[],
  ts: readonly number[],
  sub = 100,
): number[][] {
  const out: number[][] = [y0.slice()];
  let y = y0.slice();
  for (let i = 1; i < ts.length; i++) {
    const h = (ts[i] - ts[i - 1]) / sub;
    let t = ts[i - 1];
    for (let s = 0; s < sub; s++) {
      const k1 = f(t, y);
      const k2 = f(
        t + h / 2,
        y.map((v, j) => v + (h / 2) * k1[j]),
      );
      const k3 = f(
        t + h / 2,
        y.map((v, j) => v + (h / 2) * k2[j]),
      );
      const k4 = f(
        t + h,
        y.map((v, j) => v + h * k3[j]),
      );
      y = y.map((v, j) => v + (h / 6) * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]));
      t += h;
    }
    out.push(y.slice());
  }
  return out;
}
