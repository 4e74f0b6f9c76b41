// The Pulumi state backend a team shares, as the URL the workflows log in to
// (`vars.PULUMI_BACKEND_URL`, empty for Pulumi Cloud): Pulumi Cloud (https://), or an OSS
// bucket through Pulumi's S3-compatible DIY backend, with its object-based locks.
//
//   s3://<bucket>?endpoint=oss-<region>.aliyuncs.com&region=<region>
//
// Pulumi's DIY backend takes gocloud.dev's S3 query parameters: `endpoint`, `region`,
// `disableSSL`, `s3ForcePathStyle` (Pulumi docs, "Using a DIY backend", AWS S3). OSS accepts
// only virtual-hosted-style requests ("Compatibility with Amazon S3", request style), so
// path style and plain HTTP are refused here, as are credentials or a profile in the URL:
// the job's STS credentials reach the AWS SDK as AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
// and AWS_SESSION_TOKEN (backendEnv).

export type Backend =
  | { readonly kind: "pulumi-cloud"; readonly url: string }
  | {
      readonly kind: "oss";
      readonly url: string;
      readonly bucket: string;
      readonly region: string;
      readonly internal: boolean;
    };

export class BackendUrlError extends Error {}

export const PULUMI_CLOUD_URL = "https://api.pulumi.com";
const OSS_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const OSS_ENDPOINT =
  /^(?:https:\/\/)?oss-([a-z]{2}-[a-z]+(?:-[a-z]+)?(?:-\d+)?)(-internal)?\.aliyuncs\.com$/;
const S3_PARAMETERS = ["endpoint", "region", "disableSSL", "s3ForcePathStyle", "awssdk"];

/** Reads and checks a backend URL; every problem at once, naming the variable. */
export function parseBackendUrl(url: string, variable = "PULUMI_BACKEND_URL"): Backend {
  if (url === "") return { kind: "pulumi-cloud", url: PULUMI_CLOUD_URL };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BackendUrlError(`${variable}: is not a URL (got ${JSON.stringify(url)})`);
  }
  if (parsed.protocol === "https:") {
    if (parsed.username || parsed.password || parsed.search) {
      throw new BackendUrlError(`${variable}: a Pulumi Cloud URL takes no credentials or query`);
    }
    return { kind: "pulumi-cloud", url: `${parsed.origin}` };
  }
  if (parsed.protocol !== "s3:") {
    throw new BackendUrlError(
      `${variable}: must be a Pulumi Cloud https:// URL or an OSS bucket as s3://bucket?endpoint=oss-<region>.aliyuncs.com&region=<region> (got ${parsed.protocol}//)`,
    );
  }
  const problems: string[] = [];
  const bucket = parsed.hostname;
  if (parsed.username || parsed.password) problems.push("must not hold credentials");
  if (!OSS_BUCKET.test(bucket)) problems.push(`"${bucket}" is not an OSS bucket name`);
  const params = parsed.searchParams;
  for (const name of params.keys()) {
    if (!S3_PARAMETERS.includes(name)) problems.push(`unknown parameter ${name}`);
  }
  const endpoint = OSS_ENDPOINT.exec(params.get("endpoint") ?? "");
  if (!endpoint) {
    problems.push("endpoint must be oss-<region>.aliyuncs.com (or -internal) for an OSS bucket");
  }
  const region = params.get("region");
  if (!region) problems.push("region is required (the bucket's, e.g. cn-hangzhou)");
  else if (endpoint && endpoint[1] !== region) {
    problems.push(`region ${region} is not the endpoint's ${endpoint[1]}`);
  }
  if (params.has("s3ForcePathStyle") && params.get("s3ForcePathStyle") !== "false") {
    problems.push("s3ForcePathStyle must be false: OSS refuses path-style requests");
  }
  if (params.has("disableSSL") && params.get("disableSSL") !== "false") {
    problems.push("disableSSL must be false: state holds encrypted secrets, send it over TLS");
  }
  if (problems.length > 0) {
    throw new BackendUrlError(problems.map((problem) => `${variable}: ${problem}`).join("\n"));
  }
  return {
    kind: "oss",
    url,
    bucket,
    region: region as string,
    internal: endpoint?.[2] !== undefined,
  };
}

/**
 * The environment the CLI's AWS SDK reads for an OSS backend: the STS triple that
 * configure-aliyun-credentials-action exported. Nothing for Pulumi Cloud.
 */
export function backendEnv(backend: Backend, env: NodeJS.ProcessEnv): Record<string, string> {
  if (backend.kind === "pulumi-cloud") return {};
  const id = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const secret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const token = env.ALIBABA_CLOUD_SECURITY_TOKEN;
  if (!id || !secret || !token) {
    throw new BackendUrlError(
      "an OSS state backend needs the job's STS credentials: run configure-aliyun-credentials-action first",
    );
  }
  return {
    AWS_ACCESS_KEY_ID: id,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_SESSION_TOKEN: token,
    AWS_REGION: backend.region,
  };
}
