// Bessel functions J_n, Y_n (examples/bessel.ts) and the sound-hard scattering series built on
// them, against tabulated values (the four the issue names; the rest computed with mpmath at 30
// digits, `mpmath.besselj`, `mpmath.bessely`, `mpmath.hankel1`).
import assert from "node:assert/strict";
import { test } from "node:test";
import { besselJ, besselY, soundHardScattered } from "../../examples/bessel.js";

/** |got - want| <= tol * max(1, |want|). */
function close(got: number, want: number, tol: number, what: string) {
  assert.ok(
    Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)),
    `${what}: ${got} vs ${want}`,
  );
}

test("bessel: J0(1), Y0(1), J1(2.5), Y1(2.5) to 1e-15", () => {
  close(besselJ(0, 1), 0.7651976865579666, 1e-15, "J0(1)");
  close(besselY(0, 1), 0.08825696421567697, 1e-15, "Y0(1)");
  close(besselJ(1, 2.5), 0.4970941024642741, 1e-15, "J1(2.5)");
  close(besselY(1, 2.5), 0.1459181379667858, 1e-15, "Y1(2.5)");
});

test("bessel: higher orders, small and large arguments (series and asymptotic branches)", () => {
  // [n, x, J_n(x), Y_n(x)] from mpmath
  const table: [number, number, number, number][] = [
    [3, 0.5, 0.002563729994587244, -42.059494304723884],
    [0, 14, 0.17107347611045867, 0.1271925685821837],
    [5, 10, -0.23406152818679363, 0.13540304768936232],
    [0, 20, 0.16702466434058316, 0.06264059680938383],
    [10, 1, 2.6306151236874534e-10, -121618014.27868919],
  ];
  for (const [n, x, j, y] of table) {
    // relative for J (tiny values at high order), 1e-11 absolute-or-relative for Y (the series
    // loses about five digits to cancellation near x = 14, measured 1e-11 worst against mpmath)
    assert.ok(Math.abs(besselJ(n, x) / j - 1) < 1e-12, `J${n}(${x}) ${besselJ(n, x)} vs ${j}`);
    close(besselY(n, x), y, 1e-11, `Y${n}(${x})`);
  }
});

test("bessel: the Wronskian J_{n+1} Y_n - J_n Y_{n+1} = 2 / (pi x)", () => {
  for (const x of [0.3, 1.7, 6, 13.9, 14.1, 30]) {
    for (const n of [0, 1, 4, 8]) {
      const w = besselJ(n + 1, x) * besselY(n, x) - besselJ(n, x) * besselY(n + 1, x);
      close(w, 2 / (Math.PI * x), 1e-10, `W(${n}, ${x})`);
    }
  }
});

test("soundHardScattered: DeepXDE's series (k = 2, a = pi/4) against mpmath; du/dn = 0 on the disk", () => {
  const a = Math.PI / 4;
  const cases: [number, number, number, number][] = [
    [a, 0, -0.789822948268482, -0.896197458493626],
    [2, 1, 0.173525645901068, 0.209002438526812],
    [4, 2.5, -0.00753838359697418, -0.262366545806688],
  ];
  for (const [r, th, re, im] of cases) {
    const u = soundHardScattered(2, a, r, th);
    close(u.re, re, 1e-12, `re(${r}, ${th})`);
    close(u.im, im, 1e-12, `im(${r}, ${th})`);
  }
  // the total field exp(i k x) + u_s has zero radial derivative on r = a (central differences)
  const h = 1e-5;
  for (const th of [0, 0.7, 2, 3]) {
    const up = soundHardScattered(2, a, a + h, th);
    const um = soundHardScattered(2, a, a - h, th);
    const dre = (up.re - um.re) / (2 * h);
    const dim = (up.im - um.im) / (2 * h);
    // d/dr exp(i k r cos th) at r = a
    const c = Math.cos(th);
    const ph = 2 * a * c;
    const incRe = -2 * c * Math.sin(ph);
    const incIm = 2 * c * Math.cos(ph);
    assert.ok(Math.abs(dre + incRe) < 1e-6 && Math.abs(dim + incIm) < 1e-6, `theta ${th}`);
  }
});
