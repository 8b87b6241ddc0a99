// The analytics page against the real server, after dashboard.spec.ts left its conversations:
// Sam Simulator (the AI answered from "Opening hours") and Carla Customer (an AI answer and an
// agent's reply). Here a third customer asks what the knowledge cannot answer, so that the
// AI hands off and the question shows up as a knowledge gap.
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { llmRules, ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

interface PeriodInfo {
  name: string;
  from: string;
  to: string;
  time_zone: string;
}

const attr = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute("data-value"));

test("a question the knowledge cannot answer is handed off", async ({ browser, baseURL }) => {
  const page = await ownerPage(browser);
  await llmRules([{ times: 1, reply: "[HANDOFF]" }]);
  const r = await page.request.post("/api/simulator/messages", {
    data: { phone: "+15550001111", name: "Gap Tester", text: "Do you deliver on Sundays?" },
    headers: { Origin: baseURL ?? "" },
  });
  expect(r.status()).toBe(201);
  await expect
    .poll(
      async () => {
        const list = await page.request.get("/api/conversations?q=Gap");
        const items = ((await list.json()) as { items: { status: string; customer: { name: string } }[] }).items;
        return items.find((c) => c.customer.name === "Gap Tester")?.status;
      },
      { timeout: 30_000 },
    )
    .toBe("handed_off");
  await llmRules([]);
  await page.context().close();
});

test("the last 7 days: cards, charts, the heat map, cited documents and knowledge gaps", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Analytics" }).click();
  await expect(page).toHaveURL(/\/analytics\/$/);
  await expect(page.getByRole("heading", { name: "Analytics", level: 1 })).toBeVisible();
  await expect(page.getByTestId("analytics")).toHaveAttribute("data-loaded", "7d");
  await expect(page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "7 days" })).toHaveAttribute(
    "aria-current",
    "true",
  );

  // The period as the server computed it, in the business's time zone.
  const api = (await (await page.request.get("/api/analytics/overview?period=7d")).json()) as { period: PeriodInfo };
  const label = page.getByTestId("period-label");
  await expect(label).toHaveAttribute("data-from", api.period.from);
  await expect(label).toHaveAttribute("data-to", api.period.to);
  await expect(label).toContainText("Last 7 days");
  await expect(label).toContainText(api.period.time_zone);

  // Sam's two messages, Carla's one and the gap question; AI answers and Carla's agent reply.
  expect(await attr(page, "card-inbound")).toBeGreaterThanOrEqual(4);
  expect(await attr(page, "card-ai")).toBeGreaterThanOrEqual(1);
  expect(await attr(page, "card-agent")).toBeGreaterThanOrEqual(1);
  expect(await attr(page, "card-outbound")).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId("card-ai-resolution").locator("dd").first()).toHaveText(/^\d+(\.\d)?%$/);
  await expect(page.getByTestId("card-first-response").locator("dd").first()).toHaveText(/^\d+(\.\d)? (ms|s|min|h)$/);
  expect(await attr(page, "card-llm")).toBeGreaterThan(0);

  // Today's bar in the messages chart.
  const today = page.getByTestId("messages-chart").locator(`[data-testid="chart-day"][data-day="${api.period.to}"]`);
  await expect(today).toHaveCount(1);
  expect(Number(await today.getAttribute("data-inbound"))).toBeGreaterThanOrEqual(4);
  await expect(today.locator('rect[data-series="Customers"]')).toHaveCount(1);
  await expect(today.locator("title")).toContainText("Customers:");
  await expect(page.getByTestId("messages-chart").getByTestId("chart-summary")).toContainText("customer messages");
  await expect(page.getByTestId("llm-chart").getByTestId("chart-summary")).toContainText("tokens");

  // The heat map: 7 × 24 cells, some of them lit.
  const cells = page.getByTestId("heat-cell");
  await expect(cells).toHaveCount(7 * 24);
  expect(await page.locator('[data-testid="heat-cell"]:not([data-count="0"])').count()).toBeGreaterThan(0);
  await expect(page.getByTestId("heat-map").getByTestId("chart-summary")).toContainText("Busiest:");

  // The snippet Sam's answers cited.
  const cited = page.getByTestId("top-document").filter({ hasText: "Opening hours" });
  await expect(cited).toBeVisible();
  expect(Number(await cited.getAttribute("data-citations"))).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId("top-documents").getByRole("link", { name: "Open the knowledge" })).toHaveAttribute(
    "href",
    "/knowledge/",
  );

  // The gap, with a way to its conversation, and the answer added from the keyboard.
  const gap = page.getByTestId("gap").filter({ hasText: /do you deliver on sundays/i });
  await expect(gap).toBeVisible();
  await expect(gap).toContainText("Handed off");
  await expect(gap.getByTestId("gap-count")).toContainText(/Asked \d+ time/);
  await expect(gap.getByRole("link", { name: /Open the conversation/ })).toHaveAttribute("href", /^\/conversations\/\?id=[0-9a-f-]{36}$/);
  await gap.getByRole("button", { name: "Add the answer" }).focus();
  await page.keyboard.press("Enter");
  const form = gap.getByRole("form");
  await expect(form.getByLabel("Title")).toHaveValue(/^do you deliver on sundays/i);
  await expect(form.getByLabel("Answer")).toBeFocused();
  await page.keyboard.type("Yes: on Sundays we deliver from 9 am to 1 pm within 5 km.");
  await form.getByRole("button", { name: "Add to the knowledge" }).click();
  await expect(gap.getByTestId("gap-added")).toBeVisible();
  await expect(gap.getByRole("form")).toHaveCount(0);
  const docs = (await (await page.request.get("/api/documents")).json()) as { items: { id: string; title: string }[] };
  const added = docs.items.find((d) => /do you deliver on sundays/i.test(d.title));
  expect(added).toBeTruthy();

  // The export: every message of the period, as CSV.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const csv = readFileSync((await download.path())!, "utf8");
  const [header, ...rows] = csv.replace(/^\uFEFF/, "").split(/\r?\n/);
  expect(header).toMatch(/customer/i);
  expect(header).toMatch(/content/i);
  expect(rows.join("\n")).toContain("Carla Customer");
  // (Next.js's route announcer is an alert too: only the page's own count.)
  await expect(page.getByTestId("analytics-scroll").getByRole("alert")).toHaveCount(0);

  // 90 days: the address and the period follow.
  await page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "90 days" }).click();
  await expect(page).toHaveURL(/\/analytics\/\?period=90d$/);
  await expect(page.getByTestId("analytics")).toHaveAttribute("data-loaded", "90d");
  const ninety = (await (await page.request.get("/api/analytics/overview?period=90d")).json()) as { period: PeriodInfo };
  await expect(label).toHaveAttribute("data-period", "90d");
  await expect(label).toHaveAttribute("data-from", ninety.period.from);
  await expect(label).toContainText("Last 90 days");
  expect(await page.getByTestId("messages-chart").getByTestId("chart-day").count()).toBe(90);
  expect(await attr(page, "card-inbound")).toBeGreaterThanOrEqual(4);

  // Tidy up: the snippet added here is not for the other specs' searches.
  expect((await page.request.delete(`/api/documents/${added!.id}`, { headers: { Origin: new URL(page.url()).origin } })).ok()).toBeTruthy();
  await page.context().close();
});

test("an unknown period is explained, by the page and by the server", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.goto("/analytics/?period=yesterday");
  await expect(page.getByRole("heading", { name: "Analytics", level: 1 })).toBeVisible();
  await expect(page.getByTestId("invalid-period").getByRole("alert")).toContainText("“yesterday” is not a period");
  await expect(page.getByRole("navigation", { name: "Period" }).getByRole("link", { name: "30 days" })).toBeVisible();
  const r = await page.request.get("/api/analytics/overview?period=yesterday");
  expect(r.status()).toBe(422);
  const problem = (await r.json()) as { errors?: { field: string }[] };
  expect(problem.errors?.some((e) => e.field === "period")).toBeTruthy();
  // And from there, a period that exists.
  await page.getByRole("link", { name: "Show the last 7 days" }).click();
  await expect(page.getByTestId("analytics")).toHaveAttribute("data-loaded", "7d");
  await page.context().close();
});

test("nothing wider than a 360 px phone, and screenshots light and dark", async ({ browser }) => {
  const phone = await ownerPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  for (const period of ["today", "7d", "90d"]) {
    await phone.goto(`/analytics/?period=${period}`);
    await expect(phone.getByTestId("analytics")).toHaveAttribute("data-loaded", period);
    await expect(phone.getByTestId("heat-map")).toBeVisible();
    const overflow = await phone.evaluate(() => {
      const scroller = document.querySelector<HTMLElement>('[data-testid="analytics-scroll"]')!;
      return Math.max(document.documentElement.scrollWidth - window.innerWidth, scroller.scrollWidth - scroller.clientWidth);
    });
    expect(overflow, `the ${period} page is wider than the phone`).toBeLessThanOrEqual(0);
  }
  await phone.context().close();

  const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
  for (const scheme of ["light", "dark"] as const) {
    for (const [size, viewport] of Object.entries(sizes)) {
      const page = await ownerPage(browser, { colorScheme: scheme, viewport, deviceScaleFactor: 1 });
      await page.goto("/analytics/?period=7d");
      await expect(page.getByTestId("analytics")).toHaveAttribute("data-loaded", "7d");
      await expect(page.getByTestId("heat-map")).toBeVisible();
      // The whole page, not its first screen: the page scrolls inside the shell, so the window
      // grows to fit it.
      const height = await page.evaluate(
        () =>
          document.querySelector("header")!.offsetHeight +
          document.querySelector<HTMLElement>('[data-testid="analytics-scroll"]')!.scrollHeight,
      );
      await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, height) });
      await expect(page.getByTestId("knowledge-gaps")).toBeInViewport();
      await page.screenshot({ path: `e2e/artifacts/screenshots/analytics-${scheme}-${size}.png` });
      await page.context().close();
    }
  }
});
