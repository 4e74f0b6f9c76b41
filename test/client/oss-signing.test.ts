// The OSS V4 signature the ali-oss SDK computes for the client download, against Alibaba's
// own vectors: aliyun/alibabacloud-oss-go-sdk-v2, oss/signer/signer_test.go,
// TestV4AuthHeader and TestV4AuthHeaderToken (a query parameter without a value is `null`
// in ali-oss, as `?acl` is). fetch-client signs through the same client method.
import { ossClientFor } from "../../tools/client/fetch-client";

const OBJECT = {
  bucket: "bucket",
  region: "cn-hangzhou",
  key: "1234+-/123/1.txt",
  internal: false,
};
const SDK_TEST_HEADERS = {
  "x-oss-head1": "value",
  abc: "value",
  ZAbc: "value",
  XYZ: "value",
  "content-type": "text/plain",
  "x-oss-content-sha256": "UNSIGNED-PAYLOAD",
};
const SDK_TEST_QUERY = {
  param1: "value1",
  "+param1": "value3",
  "|param1": "value4",
  "+param2": null,
  "|param2": null,
  param2: null,
};

type Signer = {
  authorizationV4(
    method: string,
    request: { headers: Record<string, string>; queries: Record<string, string | null> },
    bucket: string,
    key: string,
  ): string;
};

describe("OSS V4 signature (ali-oss)", () => {
  it("matches the Go SDK's vector without a token", () => {
    const client = ossClientFor(OBJECT, { accessKeyId: "ak", accessKeySecret: "sk" });
    const authorization = (client as unknown as Signer).authorizationV4(
      "PUT",
      {
        headers: { ...SDK_TEST_HEADERS, "x-oss-date": "20231216T162057Z" },
        queries: SDK_TEST_QUERY,
      },
      OBJECT.bucket,
      OBJECT.key,
    );
    expect(authorization).toBe(
      "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request," +
        "Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe",
    );
  });

  it("matches the Go SDK's vector with an STS token, which is signed", () => {
    const client = ossClientFor(OBJECT, {
      accessKeyId: "ak",
      accessKeySecret: "sk",
      securityToken: "token",
    });
    const authorization = (client as unknown as Signer).authorizationV4(
      "PUT",
      {
        headers: {
          ...SDK_TEST_HEADERS,
          "x-oss-date": "20231217T034736Z",
          "x-oss-security-token": "token",
        },
        queries: SDK_TEST_QUERY,
      },
      OBJECT.bucket,
      OBJECT.key,
    );
    expect(authorization).toBe(
      "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request," +
        "Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea",
    );
  });

  it("a wrong secret gives another signature (the vectors can fail)", () => {
    const client = ossClientFor(OBJECT, { accessKeyId: "ak", accessKeySecret: "sk2" });
    const authorization = (client as unknown as Signer).authorizationV4(
      "PUT",
      {
        headers: { ...SDK_TEST_HEADERS, "x-oss-date": "20231216T162057Z" },
        queries: SDK_TEST_QUERY,
      },
      OBJECT.bucket,
      OBJECT.key,
    );
    expect(authorization).not.toContain("e21d18daa8216772");
  });
});
