// The flow builder, against the real server: an owner builds a three-step flow on a blank
// canvas by drag and drop, connects a button's outcome, sees publishing's problem on the step
// it names, fixes it and publishes, tries the draft on the simulator's phone beside the canvas
// (the step being run lit up, the run log under it), and, once a customer has been through the
// published flow, sees on each step how many came and where they went. Runs after
// dashboard.spec.ts (the owner and the LLM key).
import { expect, test, type Locator, type Page } from "@playwright/test";
import { llmRules, ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

const step = (page: Page, id: string) => page.locator(`[data-testid="step-node"][data-step="${id}"]`);
const outcomeHandle = (page: Page, id: string, when: string) =>
  step(page, id).locator(`[data-testid="outcome"][data-when="${when}"] .react-flow__handle`);
const inputHandle = (page: Page, id: string) => step(page, id).locator(".react-flow__handle.target");

/** Drags a step type from the palette onto the canvas at a point of it. */
async function dropStep(page: Page, label: string, x: number, y: number) {
  await page.getByRole("button", { name: `Add a ${label} step` }).dragTo(page.getByTestId("canvas"), { targetPosition: { x, y } });
}

/** Draws an arrow from an outcome's handle to a step's input, with the mouse. */
async function wire(page: Page, from: Locator, to: Locator) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error("a handle is not on screen");
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
}

async function saved(page: Page) {
  await expect(page.getByTestId("save-state")).toHaveText("All changes saved");
}

async function newFlow(page: Page, name: string) {
  await page.goto("/flows/");
  await page.getByRole("button", { name: "New flow" }).click();
  await page.getByLabel("Name of the new flow").fill(name);
  await page.getByRole("button", { name: "Create and open" }).click();
  await expect(page).toHaveURL(/\/flows\/edit\/\?id=/);
  await expect(page.getByTestId("canvas")).toBeVisible();
}

/** Trigger on "trim", a question with two buttons, and a message with a misspelt variable. */
async function buildThreeSteps(page: Page) {
  await dropStep(page, "Trigger", 150, 90);
  await expect(step(page, "trigger_1")).toBeVisible();
  const panel = page.getByTestId("step-panel");
  await panel.getByLabel("Keyword 1").fill("trim");

  await dropStep(page, "Question", 150, 330);
  await expect(step(page, "question_1")).toBeVisible();
  await panel.getByLabel("Message type").selectOption("buttons");
  await panel.getByLabel("Message text", { exact: true }).fill("Which trim would you like?");
  await panel.getByLabel("Button 1 title").fill("Short");
  await panel.getByRole("button", { name: "Add a button" }).click();
  await panel.getByLabel("Button 2 title").fill("Long");
  await panel.getByLabel("Save the answer as").fill("trim");
  // The preview shows what the customer will see, with Meta's limits counted.
  await expect(panel.getByTestId("message-preview")).toContainText("Which trim would you like?");
  await expect(panel.getByTestId("message-preview")).toContainText("Long");

  await dropStep(page, "Message", 460, 330);
  await expect(step(page, "message_1")).toBeVisible();
  await panel.getByLabel("Message text", { exact: true }).fill("{{trimm}} it is, see you soon!");
  await expect(step(page, "message_1")).toContainText("{{trimm}} it is");
}

async function connectThem(page: Page) {
  await wire(page, outcomeHandle(page, "trigger_1", "default"), inputHandle(page, "question_1"));
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);
  // A button's own outcome, by mouse; "any choice" (the other button) from the panel's list.
  await wire(page, outcomeHandle(page, "question_1", "button:short"), inputHandle(page, "message_1"));
  await expect(page.locator(".react-flow__edge")).toHaveCount(2);
  await step(page, "question_1").click();
  await page.getByTestId("step-panel").getByLabel("After any choice, go to").selectOption("message_1");
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);
}

/** Delete from the keyboard, then undo and redo it. */
async function deleteAndUndo(page: Page) {
  await step(page, "message_1").click();
  await page.keyboard.press("Delete");
  await expect(step(page, "message_1")).toHaveCount(0);
  await expect(page.locator(".react-flow__edge")).toHaveCount(1);
  await page.keyboard.press("Control+z");
  await expect(step(page, "message_1")).toBeVisible();
  await expect(page.locator(".react-flow__edge")).toHaveCount(3);
  await page.getByRole("button", { name: "Redo" }).click();
  await expect(step(page, "message_1")).toHaveCount(0);
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(step(page, "message_1")).toBeVisible();
  await saved(page);
}

async function publishFindsTheTypo(page: Page) {
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByTestId("builder-error")).toContainText("1 problem to fix");
  await expect(step(page, "message_1")).toHaveAttribute("data-invalid", "true");
  await expect(step(page, "message_1").getByTestId("step-problems")).toContainText("{{trimm}} is not a variable of this flow");
  await expect(page.getByTestId("flow-status")).toHaveText("Draft");

  await step(page, "message_1").click();
  const text = page.getByTestId("step-panel").getByLabel("Message text", { exact: true });
  await text.fill(" it is, see you soon!");
  // The variable picker puts {{trim}} where the cursor is: at the start.
  await text.press("Home");
  await page.getByTestId("step-panel").getByRole("button", { name: "Insert a variable" }).first().click();
  await page.getByRole("option", { name: /^\{\{trim\}\}/ }).click();
  await expect(text).toHaveValue("{{trim}} it is, see you soon!");
  await saved(page);
  await expect(step(page, "message_1")).not.toHaveAttribute("data-invalid", "true");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByTestId("flow-status")).toHaveText("Published v1");
}

/** The Test panel runs the draft on a phone beside the canvas: the question is lit while it
 * waits, a tap answers it, and the run log shows every step. */
async function testTheDraft(page: Page) {
  await page.getByRole("button", { name: "Test", exact: true }).click();
  const panel = page.getByTestId("test-panel");
  await panel.getByRole("button", { name: "Start test" }).click();
  const phone = panel.getByTestId("phone");
  const question = phone.locator('[data-testid="sim-message"][data-type="buttons"]').filter({ hasText: "Which trim would you like?" });
  await expect(question).toBeVisible();
  await expect(step(page, "question_1")).toHaveAttribute("data-current", "true");
  await expect(panel.getByTestId("test-run-status")).toHaveText("Waiting");
  await page.screenshot({ path: "e2e/artifacts/screenshots/builder-light-desktop.png" });
  await question.getByRole("button", { name: "Short", exact: true }).click();
  await expect(phone.getByTestId("sim-message").filter({ hasText: "Short it is, see you soon!" })).toBeVisible();
  await expect(panel.getByTestId("test-run-status")).toHaveText("Completed");
  await expect(step(page, "question_1")).not.toHaveAttribute("data-current", "true");
  const lines = panel.getByTestId("flow-step");
  await expect(lines).toHaveCount(4);
  await expect(lines.nth(2)).toHaveAttribute("data-outcome", "button:short");
  await panel.getByRole("button", { name: "Close" }).click();
}

/** A customer goes through the published flow (a test is left out of the counters). */
async function aCustomerGoesThrough(page: Page) {
  const phone = "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
  const headers = { Origin: new URL(page.url()).origin };
  const wrote = await page.request.post("/api/simulator/messages", { data: { phone, name: "Rita Real", text: "trim please" }, headers });
  expect(wrote.status(), await wrote.text()).toBe(201);
  const conversation = ((await wrote.json()) as { conversation: { id: string } }).conversation.id;
  let asked: { id: string } | undefined;
  await expect(async () => {
    const r = await page.request.get(`/api/conversations/${conversation}/messages`);
    const items = ((await r.json()) as { items: { id: string; type: string; status: string }[] }).items;
    asked = items.find((m) => m.type === "buttons" && m.status === "delivered");
    expect(asked).toBeDefined();
  }).toPass();
  const tapped = await page.request.post("/api/simulator/messages", { data: { reply: { message_id: asked!.id, id: "long" } }, headers });
  expect(tapped.status(), await tapped.text()).toBe(201);
}

async function seeTheDropOff(page: Page) {
  await page.getByLabel("Drop-off").selectOption("7");
  await expect(step(page, "question_1").getByTestId("step-entered")).toHaveText("1 in");
  const count = (when: string) => step(page, "question_1").locator(`[data-testid="outcome"][data-when="${when}"] [data-testid="outcome-count"]`);
  await expect(count("button:short")).toHaveText("0");
  // "Long" has no arrow of its own: it went by "any choice".
  await expect(count("valid")).toHaveText("1");
  await expect(step(page, "message_1").getByTestId("step-entered")).toHaveText("1 in");
}

test("an owner builds, checks, publishes and tries a flow on the canvas, and sees where customers went", async ({ browser }) => {
  const page = await ownerPage(browser);
  await llmRules([]);
  await newFlow(page, "Trim booking");
  await buildThreeSteps(page);
  await connectThem(page);
  await deleteAndUndo(page);
  await publishFindsTheTypo(page);
  await testTheDraft(page);
  await aCustomerGoesThrough(page);
  await seeTheDropOff(page);
  await page.getByRole("button", { name: "Tidy up" }).click();
  await saved(page);
  await page.screenshot({ path: "e2e/artifacts/screenshots/builder-dropoff-light-desktop.png" });

  const dark = await ownerPage(browser, { colorScheme: "dark" });
  await dark.goto(page.url());
  await expect(step(dark, "question_1")).toBeVisible();
  await step(dark, "question_1").click();
  await dark.screenshot({ path: "e2e/artifacts/screenshots/builder-dark-desktop.png" });
  await dark.context().close();
});

test("the builder on a tablet: the palette above the canvas, the step's panel over it", async ({ browser }) => {
  const page = await ownerPage(browser, { viewport: { width: 820, height: 1180 }, hasTouch: true });
  await page.goto("/flows/");
  await page.getByRole("link", { name: "Trim booking", exact: true }).click();
  await expect(step(page, "question_1")).toBeVisible();
  await expect(page.getByRole("button", { name: "Add a Message step" })).toBeVisible();
  await step(page, "question_1").click();
  const panel = page.getByTestId("step-panel");
  await expect(panel).toBeVisible();
  await expect(panel.getByLabel("Save the answer as")).toHaveValue("trim");
  await page.screenshot({ path: "e2e/artifacts/screenshots/builder-light-tablet.png" });
  await panel.getByRole("button", { name: "Close the step" }).click();
  await expect(panel).toHaveCount(0);
});
