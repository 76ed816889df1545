/**
 * The literature's relative L2 errors that the benchmark suite shows beside pinnlab's. The
 * project's own copy of the numbers collected in the team's ANCHORS notes (nothing reads those
 * notes at run time). `plain` entries are vanilla PINNs; `best` entries are the papers' improved
 * methods, compared with pinnlab's `best` preset.
 */
import type { PresetName } from "../problems/presets.js";

/** One published number. */
export interface LiteratureEntry {
  readonly problem: string;
  readonly preset: PresetName;
  readonly rel_l2: number;
  /** Short citation and setup. */
  readonly source: string;
  /** The problem parameters it applies to (all must match the run's); absent: any. */
  readonly when?: Readonly<Record<string, number>>;
}

/** Every number the suite knows. */
export const LITERATURE: readonly LiteratureEntry[] = [
  {
    problem: "burgers",
    preset: "plain",
    rel_l2: 6.7e-4,
    source: "Raissi et al. 2019, 8x20, L-BFGS",
  },
  { problem: "burgers", preset: "plain", rel_l2: 1.45e-2, source: "PINNacle, 5x100, Adam 20k" },
  ...(
    [
      [1, 7.84e-3],
      [10, 1.08e-2],
      [20, 7.5e-1],
      [30, 8.97e-1],
      [40, 9.61e-1],
    ] as const
  ).map(([beta, v]) => ({
    problem: "convection",
    preset: "plain" as const,
    rel_l2: v,
    source: "Krishnapriyan et al. 2021, 4x50, L-BFGS",
    when: { beta },
  })),
  ...(
    [
      [20, 9.84e-3],
      [30, 2.02e-2],
      [40, 5.33e-2],
    ] as const
  ).map(([beta, v]) => ({
    problem: "convection",
    preset: "best" as const,
    rel_l2: v,
    source: "Krishnapriyan et al. 2021, curriculum regularisation",
    when: { beta },
  })),
  {
    problem: "convection",
    preset: "best",
    rel_l2: 6.88e-4,
    source: "jaxpi advection c=80, 200k+ GPU steps",
    when: { beta: 80 },
  },
  {
    problem: "reaction",
    preset: "plain",
    rel_l2: 9.8e-1,
    source: "Krishnapriyan et al. 2021, rho 5-10",
  },
  {
    problem: "reaction",
    preset: "best",
    rel_l2: 8e-2,
    source: "Krishnapriyan et al. 2021, seq2seq (7-9e-2)",
  },
  {
    problem: "reaction-diffusion",
    preset: "plain",
    rel_l2: 5.1e-1,
    source: "Krishnapriyan et al. 2021, nu=2 rho=5",
    when: { nu: 2, rho: 5 },
  },
  {
    problem: "reaction-diffusion",
    preset: "best",
    rel_l2: 1.2e-2,
    source: "Krishnapriyan et al. 2021, seq2seq, nu=2 rho=5",
    when: { nu: 2, rho: 5 },
  },
  {
    problem: "helmholtz2d",
    preset: "plain",
    rel_l2: 1.94e-1,
    source: "Wang, Teng & Perdikaris 2021, 3x50",
  },
  {
    problem: "helmholtz2d",
    preset: "best",
    rel_l2: 3.3e-3,
    source: "Wang, Teng & Perdikaris 2021, 3x50, LR annealing + modified MLP",
  },
  {
    problem: "klein-gordon",
    preset: "plain",
    rel_l2: 1.79e-1,
    source: "Wang, Teng & Perdikaris 2021, 5x50",
  },
  {
    problem: "klein-gordon",
    preset: "best",
    rel_l2: 2.81e-3,
    source: "Wang, Teng & Perdikaris 2021, 5x50, LR annealing + modified MLP",
  },
  { problem: "poisson1d", preset: "plain", rel_l2: 2.4e-1, source: "Wang, Yu & Perdikaris 2022" },
  {
    problem: "poisson1d",
    preset: "best",
    rel_l2: 1.63e-3,
    source: "Wang, Yu & Perdikaris 2022, NTK weights",
  },
  { problem: "wave1d", preset: "plain", rel_l2: 4.52e-1, source: "Wang, Yu & Perdikaris 2022" },
  {
    problem: "wave1d",
    preset: "best",
    rel_l2: 1.73e-3,
    source: "Wang, Yu & Perdikaris 2022, NTK weights",
  },
  {
    problem: "allen-cahn",
    preset: "plain",
    rel_l2: 4.99e-1,
    source: "Wang, Sankaran & Perdikaris, plain",
  },
  {
    problem: "allen-cahn",
    preset: "best",
    rel_l2: 1.39e-4,
    source: "Wang, Sankaran & Perdikaris, causal modified MLP",
  },
];

/**
 * The numbers that apply to a problem, preset and parameter values.
 * @example
 * literatureFor("convection", "plain", { beta: 1 }); // [{ rel_l2: 7.84e-3, ... }]
 */
export function literatureFor(
  problem: string,
  preset: PresetName,
  params: Readonly<Record<string, number>>,
): LiteratureEntry[] {
  return LITERATURE.filter(
    (e) =>
      e.problem === problem &&
      e.preset === preset &&
      Object.entries(e.when ?? {}).every(
        ([k, v]) => Math.abs((params[k] ?? NaN) - v) <= 1e-12 * Math.abs(v),
      ),
  );
}
