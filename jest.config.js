/** The Pulumi program's tests (the host-manager runs its own suite: npm test -w @hpc-fleet/host-manager). */
module.exports = {
  ...require("./jest.preset"),
  setupFiles: ["<rootDir>/test/helpers/expected-warnings.ts"],
};
