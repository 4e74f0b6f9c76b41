// The team's state backend as a URL: Pulumi Cloud, or an OSS bucket through the
// S3-compatible DIY backend (virtual-hosted style only, as OSS requires), and the one
// docs/ci.md documents is one that parses.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backendEnv, parseBackendUrl, PULUMI_CLOUD_URL } from "../../tools/ci/backend";
import { main } from "../../tools/ci/cli";
import { PROJECT_DIR } from "../helpers/stacks";

const OSS = "s3://hpc-fleet-state?endpoint=oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou";
const STS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: "STS.id",
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: "secret",
  ALIBABA_CLOUD_SECURITY_TOKEN: "token",
};

describe("the state backend URL", () => {
  it("is Pulumi Cloud when empty or https", () => {
    expect(parseBackendUrl("")).toEqual({ kind: "pulumi-cloud", url: PULUMI_CLOUD_URL });
    expect(parseBackendUrl("https://api.pulumi.example.com/")).toEqual({
      kind: "pulumi-cloud",
      url: "https://api.pulumi.example.com",
    });
  });

  it("reads an OSS bucket, its region and its internal endpoint", () => {
    expect(parseBackendUrl(OSS)).toMatchObject({
      kind: "oss",
      bucket: "hpc-fleet-state",
      region: "cn-hangzhou",
      internal: false,
    });
    expect(
      parseBackendUrl(
        "s3://b-1?endpoint=oss-ap-southeast-1-internal.aliyuncs.com&region=ap-southeast-1&s3ForcePathStyle=false",
      ),
    ).toMatchObject({ region: "ap-southeast-1", internal: true });
  });

  it.each([
    [`${OSS}&s3ForcePathStyle=true`, /s3ForcePathStyle must be false/],
    [`${OSS}&disableSSL=true`, /disableSSL must be false/],
    ["s3://hpc-fleet-state?endpoint=oss-cn-hangzhou.aliyuncs.com", /region is required/],
    [
      "s3://hpc-fleet-state?endpoint=oss-cn-hangzhou.aliyuncs.com&region=cn-beijing",
      /region cn-beijing is not the endpoint's cn-hangzhou/,
    ],
    ["s3://hpc-fleet-state?region=us-east-1", /endpoint must be oss-<region>\.aliyuncs\.com/],
    [`${OSS}&profile=ci`, /unknown parameter profile/],
    [
      "s3://AK:SK@hpc-fleet-state?endpoint=oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou",
      /credentials/,
    ],
    [
      "s3://Bad_Bucket?endpoint=oss-cn-hangzhou.aliyuncs.com&region=cn-hangzhou",
      /not an OSS bucket/,
    ],
    ["file://~", /Pulumi Cloud https:\/\/ URL or an OSS bucket/],
    ["https://AK@api.pulumi.com", /no credentials/],
  ])("refuses %s", (url, reason) => {
    expect(() => parseBackendUrl(url)).toThrow(reason);
  });

  it("hands the job's STS triple to the AWS SDK for OSS, nothing for Pulumi Cloud", () => {
    expect(backendEnv(parseBackendUrl(OSS), STS)).toEqual({
      AWS_ACCESS_KEY_ID: "STS.id",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_SESSION_TOKEN: "token",
      AWS_REGION: "cn-hangzhou",
    });
    expect(backendEnv(parseBackendUrl(""), STS)).toEqual({});
    expect(() => backendEnv(parseBackendUrl(OSS), {})).toThrow(/STS credentials/);
  });

  it("writes them to $GITHUB_ENV from the workflow's command", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "hpc-backend-")), "env");
    const saved = { ...process.env };
    Object.assign(process.env, STS, { GITHUB_ENV: file });
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      await expect(main(["backend", "--url", OSS])).resolves.toBe(0);
    } finally {
      write.mockRestore();
      process.env = saved;
    }
    expect(readFileSync(file, "utf8").split("\n")).toContain("AWS_SESSION_TOKEN=token");
  });

  it("docs/ci.md documents URLs that parse", () => {
    const doc = readFileSync(join(PROJECT_DIR, "docs", "ci.md"), "utf8");
    const urls = doc.match(/s3:\/\/[^\s`'"]+/g) ?? [];
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const example = url
        .replace(/<bucket>/g, "hpc-fleet-state")
        .replace(/<region>/g, "cn-hangzhou");
      expect(parseBackendUrl(example)).toMatchObject({ kind: "oss" });
    }
  });
});
