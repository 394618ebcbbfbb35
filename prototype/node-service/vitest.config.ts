import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Starts one moto_server for the run; every test creates its own uniquely named resources.
    globalSetup: ['tests/support/moto-server.ts'],
    setupFiles: ['tests/support/environment.ts'],
    // Test files run in parallel worker processes, so process.env stays per file.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
