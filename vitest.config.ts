import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Test files would get graphql's ESM build while @apollo/* (CommonJS) require its CJS
    // build, and graphql refuses schemas from "another realm": give tests the same copy.
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    globalSetup: ['test/global-setup.ts'],
    // Fails any test file whose output or test names hold a dataset fiscal code (SECURITY.md).
    setupFiles: ['test/no-fiscal-codes-in-output.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
