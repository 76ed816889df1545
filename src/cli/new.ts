/**
 * `pinnlab new NAME [--out FILE]`: write a commented starter problem file (the heat equation as a
 * factory with a `--set` parameter and its exact solution) that `pinnlab train ./NAME.ts` trains
 * as written.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { writeAtomic } from "../store/rundir.js";
import { UsageError } from "./errors.js";

/**
 * The starter file's text for a problem called `name`.
 * @example starterFile("heat"); // "import { ... } from \"pinnlab\"; ..."
 */
export function starterFile(name: string): string {
  return `/**
 * ${name}: a problem of your own for pinnlab (written by \`pinnlab new ${name}\`).
 *
 * Train it:    npx pinnlab train ./${name}.ts
 *              npx pinnlab train ./${name}.ts --set k=0.05 --steps 4000 --preset plain
 *              npx pinnlab train ./${name}.ts --help      (every key with its default)
 *
 * As written it solves the heat equation u_t = k u_xx on t in [0, 1], x in [0, 1] with
 * u(0, x) = sin(pi x) and u = 0 at both ends; the exact solution exp(-k pi^2 t) sin(pi x) is the
 * reference, so the run reports its relative L2 error. Edit the equation, the domain and the
 * conditions; drop \`exact\` if you have no solution (the run then reports residual metrics).
 */
import {
  defineProblem,
  dirichlet,
  initial,
  interval,
  problemFactory,
  smooth,
  timeSpace,
} from "pinnlab";

export default problemFactory({
  name: "${name}",
  description: "heat equation u_t = k u_xx, u0 = sin(pi x), u = 0 at x = 0, 1",
  // parameters: each is settable with --set name=value and listed by --help
  params: { k: { default: 0.1, positive: true, doc: "diffusivity" } },
  // training defaults for this problem (any --set still wins)
  defaults: { width: 32, depth: 3, points: 512, bcPoints: 64, steps: 2000, optimizer: "adam" },
  // loss weight per term name (w.ic on the command line); unlisted terms weigh 1
  weights: { ic: 10 },
  build: ({ k }) =>
    defineProblem({
      name: "${name}",
      // time first ("t"), then space; input names are single letters so d("u", "xx") reads u_xx
      domain: timeSpace([0, 1], interval(0, 1)),
      fields: ["u"],
      // residuals: d(field, derivative) and x(input) are values you may use any number of times;
      // sin, cos, exp, pow, ... come from "pinnlab"
      residuals: {
        res: ({ d }) => d("u", "t").sub(d("u", "xx").mul(k)),
      },
      // conditions: each is a named loss term (its weight is w.<name>); smooth(...) data can also
      // be imposed exactly with --set hard=ic,bc
      conditions: {
        ic: initial(
          "u",
          smooth((o) => o.sin(o.mul(o.in("x"), Math.PI))),
        ),
        // boundary pieces by name: "x.min", "x.max", or "boundary" for all of them
        bc: dirichlet("u", "boundary", 0),
      },
      // the reference: an exact solution at a point (or reference: () => grid, or a CSV file
      // with referenceCsv: "${name}_ref.csv", columns t,x,u on a full grid)
      exact: (p) => Math.exp(-k * Math.PI ** 2 * p.t) * Math.sin(Math.PI * p.x),
    }),
});

// A source term reads like the maths (import sin, exp, pow, ... from "pinnlab"):
//   res: ({ d, x }) => d("u", "t").sub(d("u", "xx").mul(k)).sub(exp(x("t").neg()))
`;
}

/** Parse and write. */
export function newProblem(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: "string" }, force: { type: "boolean", default: false } },
  });
  if (positionals.length !== 1) throw new UsageError("new: expected exactly one NAME");
  const name = positionals[0];
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw new UsageError(`new ${name}: NAME must start with a letter (letters, digits, _ and -)`);
  }
  const out = values.out ?? `${name}.ts`;
  if (existsSync(out) && !values.force) {
    throw new UsageError(`new: ${out} exists (use --force to overwrite)`);
  }
  writeAtomic(out, starterFile(name));
  const path = out.startsWith("/") || out.startsWith(".") ? out : `./${out}`;
  process.stdout.write(`wrote ${out}; train it with: npx pinnlab train ${path}\n`);
  return 0;
}
