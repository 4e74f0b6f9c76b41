/** The host-manager's own suite: unit, API, durability, cloud-driver and end-to-end tests. */
module.exports = { ...require("../../jest.preset") };
