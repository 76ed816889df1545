/**
 * Classical reference solvers that give pinnlab its ground truth: the Cole-Hopf solution of
 * Burgers, Fourier pseudo-spectral ETDRK4 (Allen-Cahn, KdV, reaction-diffusion) and closed forms.
 */
export * from "./grid.js";
export * from "./fft.js";
export * from "./gaussHermite.js";
export * from "./burgers.js";
export * from "./etdrk4.js";
export * from "./allenCahn.js";
export * from "./kdv.js";
export * from "./reactionDiffusion.js";
