import { defineConfig, devices } from "@playwright/test";

// The main process picks the port once; workers inherit it through the environment.
process.env.E2E_PORT ??= String(20000 + Math.floor(Math.random() * 12000));
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

export default defineConfig({
  testDir: "./e2e",
  outputDir: "./e2e/artifacts/results",
  globalSetup: "./e2e/global-setup.ts",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // Debian's Chromium: Playwright's own browser download cannot work on these machines.
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox"],
    },
  },
  projects: [
    // The first-run story needs the empty server and creates the owner every other spec signs
    // in as: it runs first.
    { name: "story", testMatch: /dashboard\.spec\.ts/, use: { ...devices["Desktop Chrome"] } },
    {
      name: "pages",
      testIgnore: /dashboard\.spec\.ts/,
      dependencies: ["story"],
      use: { ...devices["Desktop Chrome"] },
    },
  ],
});
