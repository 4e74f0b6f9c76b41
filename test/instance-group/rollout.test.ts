// The rollout fingerprint: the digest of a host's definition that marks outdated hosts.
import { rolloutFingerprint } from "../../components/instance-group";

describe("the rollout fingerprint", () => {
  const host = { imageId: "m-1", userData: "[powershell]\r\nA", instanceTypes: ["ecs.c7.2xlarge"] };

  it("ignores key order", () => {
    expect(
      rolloutFingerprint({
        userData: host.userData,
        instanceTypes: host.instanceTypes,
        imageId: "m-1",
      }),
    ).toBe(rolloutFingerprint(host));
  });

  it("moves with the user-data, the image and the instance types", () => {
    const base = rolloutFingerprint(host);
    expect(rolloutFingerprint({ ...host, userData: "[powershell]\r\nB" })).not.toBe(base);
    expect(rolloutFingerprint({ ...host, imageId: "m-2" })).not.toBe(base);
    expect(rolloutFingerprint({ ...host, instanceTypes: ["ecs.c6.2xlarge"] })).not.toBe(base);
  });
});
