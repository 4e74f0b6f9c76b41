// Component args are checked before any resource exists, and every problem is reported at
// once, each by its property path (as pulumi-eks's InputPropertyError does): `zones`,
// `vSwitchCidrs[1]`, `spotPriceLimits[0].instanceType`. The stack config runs the same
// rules over its own fields and reports them under its keys (see config-keys.ts), so each
// rule is written once, in its component.

/** One problem with a component's args: which arg, and why. */
export interface ArgProblem {
  readonly propertyPath: string;
  readonly reason: string;
}

/**
 * How a reason names another arg: by its property path when the component reports the
 * problem, by the config key an operator sets ("fleet.instanceCount") when the stack
 * config runs the rule.
 */
export type ArgName = (propertyPath: string) => string;

export const ownArgName: ArgName = (propertyPath) => propertyPath;

export type ReportProblem = (propertyPath: string, reason: string) => void;

/** The problems `check` reports, in the order it reports them. */
export function collectProblems(check: (report: ReportProblem) => void): ArgProblem[] {
  const problems: ArgProblem[] = [];
  check((propertyPath, reason) => problems.push({ propertyPath, reason }));
  return problems;
}

/** Every problem a component found with its args, in one error. */
export class ArgProblemsError extends Error {
  constructor(
    readonly componentType: string,
    readonly resourceName: string,
    readonly problems: readonly ArgProblem[],
  ) {
    const count = `${problems.length} problem${problems.length === 1 ? "" : "s"}`;
    super(
      `${componentType} ${resourceName}: invalid args (${count}):\n` +
        problems.map((problem) => `  ${problem.propertyPath}: ${problem.reason}`).join("\n"),
    );
    this.name = "ArgProblemsError";
  }
}

/** Throws one error listing every problem, so that a caller can mend them all in one go. */
export function assertNoProblems(
  componentType: string,
  resourceName: string,
  problems: readonly ArgProblem[],
): void {
  if (problems.length > 0) throw new ArgProblemsError(componentType, resourceName, problems);
}
