// How a component reports the problems with its args: all at once, each by property path.
import { ArgProblemsError, assertNoProblems, collectProblems } from "../../components/arg-problems";

describe("argument problems", () => {
  it("are collected in the order a rule reports them", () => {
    const problems = collectProblems((report) => {
      report("zones", "must list at least one zone");
      report("adminCidrs[0]", "0.0.0.0/0 would open WinRM/RDP to the whole internet");
    });
    expect(problems).toEqual([
      { propertyPath: "zones", reason: "must list at least one zone" },
      {
        propertyPath: "adminCidrs[0]",
        reason: "0.0.0.0/0 would open WinRM/RDP to the whole internet",
      },
    ]);
  });

  it("throw one error naming the component and every problem by its property path", () => {
    const problems = [
      { propertyPath: "minSize", reason: "must not exceed instanceCount (3 > 2)" },
      { propertyPath: "spotPriceLimits", reason: "has no price for ecs.c7.2xlarge" },
    ];
    let thrown: unknown;
    try {
      assertNoProblems("hpc:instance-group:InstanceGroup", "hpc-dev-hosts", problems);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ArgProblemsError);
    expect((thrown as ArgProblemsError).problems).toEqual(problems);
    expect((thrown as Error).message).toBe(
      "hpc:instance-group:InstanceGroup hpc-dev-hosts: invalid args (2 problems):\n" +
        "  minSize: must not exceed instanceCount (3 > 2)\n" +
        "  spotPriceLimits: has no price for ecs.c7.2xlarge",
    );
  });

  it("throw nothing when there are none", () => {
    expect(() => assertNoProblems("hpc:network:Network", "hpc", [])).not.toThrow();
  });
});
