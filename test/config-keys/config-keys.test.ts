// The config keys the components' problems are reported under: each names the key its
// value comes from in components/fleet.ts, so an operator is sent to the right key.
import { ArgProblemsError } from "../../components/arg-problems";
import {
  configKeyOf,
  HOST_MANAGER_CONFIG,
  INSTANCE_GROUP_CONFIG,
  NETWORK_CONFIG,
  OPERATOR_ACCESS_CONFIG,
  WINDOWS_IMAGE_CONFIG,
  withConfigKeys,
} from "../../components/config-keys";
import {
  hostManagerConfigArgs,
  instanceGroupConfigArgs,
  networkConfigArgs,
  operatorAccessConfigArgs,
  windowsImageConfigArgs,
} from "../../components/fleet";
import { ConfigError, type StackConfig } from "../../config";
import { SHIPPED_STACKS, stackConfig } from "../helpers/stacks";

/** The value of a config key in the parsed config (secrets are kept apart, as Outputs). */
function valueAt(config: StackConfig, key: string): unknown {
  if (key in config.secrets) return config.secrets[key as keyof StackConfig["secrets"]];
  return key
    .split(".")
    .reduce<unknown>((value, part) => (value as Record<string, unknown>)?.[part], config);
}

type Keys = { readonly keys: Readonly<Record<string, string | undefined>> };

const bindings: Array<[string, Keys, (config: StackConfig) => object]> = [
  ["Network", NETWORK_CONFIG, networkConfigArgs],
  ["WindowsImage", WINDOWS_IMAGE_CONFIG, windowsImageConfigArgs],
  ["InstanceGroup", INSTANCE_GROUP_CONFIG, instanceGroupConfigArgs],
  ["HostManager", HOST_MANAGER_CONFIG, hostManagerConfigArgs],
  ["OperatorAccess", OPERATOR_ACCESS_CONFIG, operatorAccessConfigArgs],
];

describe.each(bindings)("the %s's config keys", (_component, binding, configArgs) => {
  test.each(SHIPPED_STACKS)("name every arg the fleet takes from the config (%s)", (stack) => {
    const args = configArgs(stackConfig(stack));
    expect(Object.keys(binding.keys).sort()).toEqual(Object.keys(args).sort());
  });

  test.each(SHIPPED_STACKS)("name the key each arg's value comes from (%s)", (stack) => {
    const config = stackConfig(stack);
    const args = configArgs(config) as Record<string, unknown>;
    for (const [arg, key] of Object.entries<string | undefined>(binding.keys)) {
      expect({ arg, value: args[arg] }).toEqual({ arg, value: valueAt(config, key!) });
    }
  });
});

describe("config keys", () => {
  test("carry a problem's path inside the arg over to the key", () => {
    expect(configKeyOf(OPERATOR_ACCESS_CONFIG, "adminCidrs[0]")).toBe(
      "hpc-fleet:network.adminCidrs[0]",
    );
    expect(configKeyOf(OPERATOR_ACCESS_CONFIG, "privateKeyPem")).toBe(
      "hpc-fleet:operatorAccessPrivateKey",
    );
    expect(configKeyOf(NETWORK_CONFIG, "hostManagerPort")).toBe("hpc-fleet:hostManager.port");
    expect(configKeyOf(NETWORK_CONFIG, "tags")).toBeUndefined();
  });

  test("turn a component's problems with config-given args into a ConfigError under the keys", () => {
    const declare = () => {
      throw new ArgProblemsError("hpc:network:Network", "hpc", [
        { propertyPath: "vSwitchCidrs[1]", reason: "10.42.8.0/24 overlaps 10.42.0.0/20" },
      ]);
    };
    expect(() => withConfigKeys(NETWORK_CONFIG, declare)).toThrow(ConfigError);
    expect(() => withConfigKeys(NETWORK_CONFIG, declare)).toThrow(
      "hpc-fleet:network.vSwitchCidrs[1]: 10.42.8.0/24 overlaps 10.42.0.0/20",
    );
  });

  test("leave a problem with an arg the fleet wires as the component's own error", () => {
    const problem = new ArgProblemsError("hpc:network:Network", "hpc", [
      { propertyPath: "tags", reason: "is required" },
    ]);
    expect(() =>
      withConfigKeys(NETWORK_CONFIG, () => {
        throw problem;
      }),
    ).toThrow(problem);
  });
});
