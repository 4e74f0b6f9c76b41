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

describe("the mocks recorder", () => {
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
