// A flow run in the conversation thread, against the real server: a booking flow written and
// published through the API, started by the simulator's customer writing "book". The thread
// shows the flow waiting for an answer above the messages, each step as a line among them that
// opens to what it read and stored, and a team member stops the run. Runs after
// dashboard.spec.ts (the owner and the LLM key).
import { expect, test, type Browser, type Page } from "@playwright/test";
import { llmRules, ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

const node = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config });
const edge = (source: string, target: string, when = "default") => ({ id: `${source}-${when.replace(":", "_")}-${target}`, source, target, when });

// "book": which service (a button each), which day (any text), then the summary.
const BOOKING = {
  name: "Booking",
  nodes: [
    node("start", "trigger", { kind: "keyword", keywords: ["book"] }),
    node("service", "question", {
      prompt: {
        type: "buttons",
        body: "Which service?",
        buttons: [
          { id: "cut", title: "Haircut" },
          { id: "color", title: "Colour" },
        ],
      },
      store_as: "service",
    }),
    node("when", "question", { prompt: { text: "Which day?" }, store_as: "day" }),
    node("confirm", "message", { message: { text: "{{service}} on {{day}}: booked!" } }),
    node("done", "end"),
  ],
  edges: [
    edge("start", "service"),
    edge("service", "when", "button:cut"),
    edge("service", "when", "button:color"),
    edge("when", "confirm", "valid"),
    edge("confirm", "done"),
  ],
};

interface Run {
  id: string;
  status: string;
  steps: { node_id: string; outcome: string | null }[];
}

/** Creates and publishes the flow as an owner's other client would; answers its id. */
async function publishBooking(page: Page, origin: string): Promise<string> {
  const created = await page.request.post("/api/flows", { data: BOOKING, headers: { Origin: origin } });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const published = await page.request.post(`/api/flows/${id}/publish`, { headers: { Origin: origin } });
  expect(published.status(), await published.text()).toBe(200);
  expect(((await published.json()) as { published_version: number }).published_version).toBe(1);
  return id;
}

async function latestRun(page: Page, conversationId: string): Promise<Run | undefined> {
  const r = await page.request.get(`/api/conversations/${conversationId}/flow-runs`);
  expect(r.ok()).toBeTruthy();
  return ((await r.json()) as { items: Run[] }).items[0];
}

/** The simulator's new customer writes "book" and is asked which service; answers the
 * conversation's id. */
async function customerBooks(simulator: Page, origin: string): Promise<string> {
  await simulator.goto("/simulator/");
  await simulator.getByRole("button", { name: "New customer" }).click();
  await simulator.getByLabel("Customer name").fill("Fran Flow");
  await simulator.getByLabel("Message").fill("book");
  await simulator.getByRole("button", { name: "Send" }).click();
  await expect(serviceQuestion(simulator)).toBeVisible();
  const href = await simulator.getByRole("link", { name: "Open in the inbox" }).getAttribute("href");
  const conversationId = new URL(href ?? "", origin).searchParams.get("id") ?? "";
  expect(conversationId).not.toBe("");
  return conversationId;
}

function serviceQuestion(simulator: Page) {
  return simulator
    .getByTestId("phone")
    .locator('[data-testid="sim-message"][data-type="buttons"]')
    .filter({ hasText: "Which service?" });
}

/** The thread's rows in order: messages by sender, step lines by node and outcome. */
function threadRows(page: Page): Promise<string[]> {
  return page
    .getByTestId("thread")
    .locator(":scope > li")
    .evaluateAll((rows) =>
      rows.map((r) =>
        r.getAttribute("data-testid") === "flow-step"
          ? `step:${r.getAttribute("data-node")}:${r.getAttribute("data-outcome")}`
          : `message:${r.getAttribute("data-sender")}`,
      ),
    );
}

/** The flow waits for the service, and its first two steps sit between the customer's message
 * and the question the second one sent. */
async function expectWaitingForTheService(inbox: Page) {
  await expect(inbox.getByTestId("thread-title")).toHaveText("Fran Flow");
  const banner = inbox.getByTestId("flow-banner");
  await expect(banner.getByTestId("flow-banner-text")).toContainText("In flow Booking (v1) — waiting for an answer at service");
  await expect(inbox.locator('[data-testid="message"][data-sender="flow"]')).toHaveCount(1);
  const steps = inbox.getByTestId("flow-step");
  await expect(steps).toHaveCount(2);
  await expect(steps.first()).toContainText("Booking · start (trigger) → default");
  await expect(steps.nth(1)).toContainText("Booking · service (question) → asked");
  expect(await threadRows(inbox)).toEqual(["message:customer", "step:start:default", "step:service:asked", "message:flow"]);
}

/** The customer taps "Haircut": the flow stores it and asks for the day; the thread follows live. */
async function customerTapsHaircut(simulator: Page, inbox: Page) {
  const haircut = serviceQuestion(simulator).getByRole("button", { name: "Haircut", exact: true });
  await expect(haircut).toBeEnabled();
  await haircut.click();
  await expect(simulator.getByTestId("phone").getByTestId("sim-message").filter({ hasText: "Which day?" })).toBeVisible();
  await expect(inbox.getByTestId("flow-banner-text")).toContainText("waiting for an answer at when");
  await expect(inbox.getByTestId("flow-step")).toHaveCount(4);
}

/** The tap's line opens, from the keyboard, to what the step read and the variable it set. */
async function openTheTapsLine(inbox: Page) {
  const tapped = inbox.locator('[data-testid="flow-step"][data-node="service"][data-outcome="button:cut"]');
  await expect(tapped).toHaveAttribute("data-failed", "false");
  const toggle = tapped.getByRole("button");
  await expect(toggle).toContainText("Booking · service (question) → button:cut");
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await toggle.focus();
  await inbox.keyboard.press("Enter");
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  const details = tapped.getByTestId("flow-step-details");
  await expect(details).toContainText("tapped: cut");
  await expect(details).toContainText("service: Haircut");
  await expect(details.getByTestId("flow-step-error")).toHaveCount(0);
  await inbox.screenshot({ path: "e2e/artifacts/screenshots/flow-run-light-desktop.png" });
  await toggle.press("Enter");
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
}

/** The same thread in the dark theme, for the screenshots. */
async function darkScreenshot(browser: Browser, conversationId: string) {
  const page = await ownerPage(browser, { colorScheme: "dark" });
  await page.goto(`/conversations/?id=${conversationId}`);
  await expect(page.getByTestId("flow-banner")).toBeVisible();
  await expect(page.getByTestId("flow-step")).toHaveCount(4);
  await page.screenshot({ path: "e2e/artifacts/screenshots/flow-run-dark-desktop.png" });
  await page.context().close();
}

/** Stopping asks first; cancelling leaves the run as it was, with the focus back on the button;
 * once stopped, the banner goes and the log ends with the stop where the run waited. */
async function stopTheRun(inbox: Page, conversationId: string) {
  const banner = inbox.getByTestId("flow-banner");
  const stop = banner.getByRole("button", { name: "Stop flow" });
  await stop.click();
  const confirm = banner.getByRole("group", { name: "Confirm stopping the flow" });
  await expect(confirm).toContainText("Stop Booking for this customer?");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(stop).toBeFocused();
  expect((await latestRun(inbox, conversationId))?.status).toBe("waiting");

  await stop.click();
  await confirm.getByRole("button", { name: "Yes, stop" }).click();
  await expect(banner).toBeHidden();
  const stopped = inbox.locator('[data-testid="flow-step"][data-node="when"][data-outcome="stopped"]');
  await expect(stopped).toContainText("Booking · when (question) → stopped");
  await expect(inbox.getByTestId("flow-step")).toHaveCount(5);
}

test("a flow run shows in the thread: waiting above the messages, its steps among them, and stopped by the team", async ({
  browser,
  baseURL,
}) => {
  const origin = new URL(baseURL ?? "").origin;
  const inbox = await ownerPage(browser);
  const simulator = await inbox.context().newPage();
  await llmRules([]);
  const flowId = await publishBooking(inbox, origin);

  const conversationId = await customerBooks(simulator, origin);
  await inbox.goto(`/conversations/?id=${conversationId}`);
  await expectWaitingForTheService(inbox);
  await customerTapsHaircut(simulator, inbox);
  await openTheTapsLine(inbox);
  await darkScreenshot(browser, conversationId);
  await stopTheRun(inbox, conversationId);

  // As the server stored it; a run that has ended cannot be stopped again.
  const run = await latestRun(inbox, conversationId);
  expect(run?.status).toBe("stopped");
  expect(run?.steps.map((s) => `${s.node_id}:${s.outcome}`)).toEqual([
    "start:default",
    "service:asked",
    "service:button:cut",
    "when:asked",
    "when:stopped",
  ]);
  const again = await inbox.request.post(`/api/flow-runs/${run?.id}/stop`, { headers: { Origin: origin } });
  expect(again.status()).toBe(409);

  // The flow stops answering "book" for the specs after this one.
  const unpublished = await inbox.request.post(`/api/flows/${flowId}/unpublish`, { headers: { Origin: origin } });
  expect(unpublished.ok()).toBeTruthy();
  await inbox.context().close();
});
