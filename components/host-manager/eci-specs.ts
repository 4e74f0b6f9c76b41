// The vCPU and memory pairs an ECI container group can be created with in every region,
// from Alibaba's table (https://www.alibabacloud.com/help/en/eci/user-guide/specify-the-number-of-vcpus-and-memory-size-to-create-a-pod,
// also https://www.alibabacloud.com/help/doc-detail/114662.html). ECI rounds an unlisted
// pair up to a listed one instead of refusing it; the provider then reads the real cpu and
// memory back (terraform-provider-alicloud resource_alicloud_eci_container_group.go:1539,
// 1689), and both are ForceNew (:62-73), so an unlisted pair would replace the host-manager
// on every later `pulumi up`. The provider itself validates neither.

/** Each vCPU count, with the memory sizes (GiB) it comes with. */
export const ECI_SPECS: ReadonlyArray<readonly [cpu: number, memoryGb: readonly number[]]> = [
  [0.25, [0.5, 1]],
  [0.5, [1, 2]],
  [1, [2, 4, 8]],
  [2, [1, 2, 4, 8, 16]],
  [4, [2, 4, 8, 16, 32]],
  [8, [4, 8, 16, 32, 64]],
  [12, [12, 24, 48, 96]],
  [16, [16, 32, 64, 128]],
  [24, [24, 48, 96, 192]],
  [32, [32, 64, 128, 256]],
  [52, [96, 192, 384]],
  [64, [128, 256, 512]],
];

/** Why `cpu` (and `memoryGb`, when given) is not a pair ECI creates, or undefined if it is. */
export function eciSpecProblem(
  cpu: number,
  memoryGb: number | undefined,
): { readonly arg: "cpu" | "memoryGb"; readonly reason: string } | undefined {
  const spec = ECI_SPECS.find(([specCpu]) => specCpu === cpu);
  if (!spec) {
    const counts = ECI_SPECS.map(([specCpu]) => specCpu).join(", ");
    return { arg: "cpu", reason: `must be a vCPU count ECI offers: ${counts} (got ${cpu})` };
  }
  const [, memories] = spec;
  if (memoryGb === undefined || memories.includes(memoryGb)) return undefined;
  return {
    arg: "memoryGb",
    reason: `must be one of ${memories.join(", ")} with ${cpu} vCPU${cpu === 1 ? "" : "s"}, as ECI offers them (got ${memoryGb})`,
  };
}
