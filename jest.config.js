// Three projects: unit (no network, fakes at interfaces), integration (real Prometheus, real
// gRPC) and adversarial (hostile clients and a misbehaving fake Prometheus on loopback).
// Transpile only (isolatedModules): type-checking is `npm run typecheck`'s job, and per-file
// transpilation makes a cold unit run less than half as long (2.4x less CPU in two interleaved
// cold pairs on Node 24, 2026-12-05).
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.jest.json' }];
module.exports = {
  // Integration tests start Prometheus and play out outages in seconds (a global-only option).
  testTimeout: 30000,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
    {
      displayName: 'adversarial',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/adversarial/**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
      // Some tests run the built server as a child process (test/adversarial/built-server.ts).
      globalSetup: '<rootDir>/test/adversarial/global-setup.ts',
    },
  ],
};
