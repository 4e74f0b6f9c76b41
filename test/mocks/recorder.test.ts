// The mocks recorder sees what the mocks themselves do not: parents and resource options.
import * as pulumi from "@pulumi/pulumi";
import { findResource, runDeclarations } from "../helpers/mocks";

class Renamed extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:new:Renamed", name, {}, { aliases: [{ type: "test:old:Renamed" }], protect: true });
    new pulumi.ComponentResource("test:new:Child", `${name}-child`, {}, { parent: this });
    this.registerOutputs({});
  }
}

class Later extends pulumi.ComponentResource {
  constructor(name: string, dependsOn: pulumi.ComponentResourceOptions["dependsOn"]) {
    super("test:new:Later", name, {}, { dependsOn });
    this.registerOutputs({});
  }
}

describe("the mocks recorder", () => {
  it("records dependsOn as the resources it names, also when they are declared later", async () => {
    const { resources } = await runDeclarations(() => {
      let declared!: (resources: pulumi.Resource[]) => void;
      const first = new Later(
        "first",
        new Promise<pulumi.Resource[]>((resolve) => (declared = resolve)),
      );
      declared([new Renamed("renamed")]);
      return first;
    });
    expect(findResource(resources, "test:new:Later", "first").options?.dependsOn).toEqual([
      "test:new:Renamed::renamed",
    ]);
  });

  it("records each resource's parent and the options the engine acts on, aliases included", async () => {
    const { resources } = await runDeclarations(() => new Renamed("renamed"));
    const component = findResource(resources, "test:new:Renamed", "renamed");
    expect(component.options).toMatchObject({
      protect: true,
      aliases: [{ type: "test:old:Renamed" }],
    });
    expect(findResource(resources, "test:new:Child", "renamed-child").parent).toBe("renamed");
  });
});
