// Shared by the training tests: the smallest run configuration that still trains end to end.
import type { Override } from "../../src/train/resolve.js";

/** Adam only, every step logged, a 2 x 8 network, 64 residual and 16 condition points. */
export const TINY_RUN: readonly Override[] = [
  ["optimizer", "adam"],
  ["logEvery", 1],
  ["width", 8],
  ["depth", 2],
  ["points", 64],
  ["bcPoints", 16],
];
