// The shape of an Alibaba Cloud RPC-style API call (ECS, ESS and the like) for
// @alicloud/openapi-core's generic callApi, which signs it: one place for the tools' calls.
import OpenApiClient, { $OpenApiUtil, OpenApiUtil } from "@alicloud/openapi-core";

/** An RPC call of `action` in API `version` (e.g. ECS 2014-05-26), its query form-encoded. */
export function rpcParams(action: string, version: string, protocol: string): $OpenApiUtil.Params {
  return new $OpenApiUtil.Params({
    action,
    version,
    protocol,
    pathname: "/",
    method: "POST",
    authType: "AK",
    style: "RPC",
    reqBodyType: "formData",
    bodyType: "json",
  });
}

/** Sends `action` with `query` through `client` and gives the answer's body. */
export async function callRpc(
  client: OpenApiClient,
  version: string,
  protocol: string,
  action: string,
  query: Record<string, unknown>,
): Promise<unknown> {
  const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
  const runtime = {} as Parameters<OpenApiClient["callApi"]>[2];
  const response = await client.callApi(rpcParams(action, version, protocol), request, runtime);
  return response.body;
}
