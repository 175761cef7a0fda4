import { defineConfig, type ViteUserConfig } from "vitest/config";

const config: ViteUserConfig = defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds the package and starts the one nats-server the run shares.
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // The default reporter ends with the "Tests  N passed" summary; .ci/run adds JSON.
    reporters: ["default"],
  },
});

export default config;
