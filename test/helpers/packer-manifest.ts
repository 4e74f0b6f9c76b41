// A manifest as Packer's manifest post-processor writes it, for the mock build's stdout and
// the manifest reader's tests: one run, one build.

export function renderManifest(artifacts: readonly { region: string; imageId: string }[]): string {
  const runId = "00000000-0000-4000-8000-000000000000";
  return JSON.stringify({
    builds: [
      {
        name: "windows",
        builder_type: "alicloud-ecs",
        build_time: 0,
        files: null,
        artifact_id: artifacts.map(({ region, imageId }) => `${region}:${imageId}`).join(","),
        packer_run_uuid: runId,
        custom_data: {},
      },
    ],
    last_run_uuid: runId,
  });
}
