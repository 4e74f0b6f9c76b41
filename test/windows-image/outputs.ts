// Reads a component output's value in a test (undefined when unknown).
import * as pulumi from "@pulumi/pulumi";

export function outputValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}
