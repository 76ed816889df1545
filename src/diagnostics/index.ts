/**
 * Diagnostics of loss-term imbalance: per-term gradient statistics (Wang, Teng & Perdikaris
 * 2021), per-term NTK blocks and spectra (Wang, Yu & Perdikaris 2022), and the float64
 * eigen-solvers behind them.
 */
export * from "../loss/layout.js";
export * from "../util/eigen.js";
export * from "../loss/gradients.js";
export * from "../loss/ntk.js";
