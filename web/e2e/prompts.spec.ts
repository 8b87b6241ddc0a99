// The Prompts page against the real server and the fake LLM: copy a built-in template, edit it
// with the variables, be told about an unknown one, test it on a customer question, activate it.
// Runs after dashboard.spec.ts (the owner, the LLM key and the "Opening hours" snippet).
import { expect, test, type Page } from "@playwright/test";
import { llmRules, OWNER, ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

const NAME = "Sunny Bakery voice";
let copyId = "";

function card(page: Page, name: string) {
  return page
    .getByTestId("template-card")
    .filter({ has: page.getByTestId("template-name").getByText(name, { exact: true }) });
}

test("copy a built-in template, edit it with the variables, fix an unknown variable and save", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Prompts" }).click();
  await expect(page.getByRole("heading", { name: "Prompts", level: 1 })).toBeVisible();

  // The gallery: the built-in industry templates, General active from the start.
  const builtins = page.getByTestId("template-card").and(page.locator('[data-builtin="true"]'));
  await expect(builtins.first()).toBeVisible();
  expect(await builtins.count()).toBeGreaterThanOrEqual(10);
  await expect(card(page, "Restaurant")).toContainText("restaurant");
  await expect(card(page, "General")).toHaveAttribute("data-active", "true");
  await expect(page.locator('[data-testid="template-card"][data-active="true"]')).toHaveCount(1);
  await expect(page.getByText("The AI speaks with “General”.")).toBeVisible();

  // A built-in one is read-only: no editor, a copy instead.
  await card(page, "General").click();
  const detail = page.getByTestId("template-detail");
  await expect(detail.getByRole("heading", { name: "General", level: 2 })).toBeVisible();
  await expect(detail.getByTestId("template-body")).toContainText("{{business_name}}");
  await expect(detail.getByRole("textbox", { name: "Template text" })).toHaveCount(0);
  await expect(detail).toContainText("read-only: make a copy to change it");
  await detail.getByRole("button", { name: "Make a copy" }).click();

  // The copy opens in the editor.
  await expect(detail.getByRole("heading", { name: "General (copy)", level: 2 })).toBeVisible();
  await expect(page).toHaveURL(/\/prompts\/\?id=[0-9a-f-]{36}$/);
  copyId = new URL(page.url()).searchParams.get("id") ?? "";
  const editor = page.getByTestId("editor");
  const body = editor.getByLabel("Template text");
  await expect(body).toHaveValue(/^You are the WhatsApp assistant of \{\{business_name\}\}/);
  await expect(card(page, "General (copy)")).toHaveAttribute("data-builtin", "false");

  await editor.getByLabel("Name", { exact: true }).fill(NAME);
  await editor.getByLabel("Industry").fill("bakery");

  // Every variable the server knows is listed; a click inserts it where the cursor is.
  await expect(editor.getByTestId("variable")).toHaveCount(8);
  await body.click();
  await body.press("Control+Home");
  await editor.getByRole("button", { name: /^Insert \{\{business_name\}\}/ }).click();
  await body.pressSequentially(" bakery. ");
  await expect(body).toHaveValue(/^\{\{business_name\}\} bakery\. You are the WhatsApp assistant/);
  await body.press("Control+End");
  await body.pressSequentially("\n\nAlways greet ");
  await editor.getByRole("button", { name: /^Insert \{\{customer_name\}\}/ }).click();
  await body.pressSequentially(" by name.");
  await expect(body).toHaveValue(/\n\nAlways greet \{\{customer_name\}\} by name\.$/);
  await expect(editor.getByTestId("save-state")).toHaveText("Unsaved changes.");

  // A variable the server does not know: the server refuses, and says so under the text.
  await body.pressSequentially(" Mention {{favourite_cake}}.");
  await editor.getByRole("button", { name: "Save" }).click();
  const bodyError = editor.getByTestId("body-error");
  await expect(bodyError).toContainText("Unknown variable {{favourite_cake}}");
  await expect(bodyError).toContainText("business_name");
  await expect(editor.getByRole("alert")).toHaveCount(1);
  await expect(body).toHaveAttribute("aria-invalid", "true");
  await expect(body).toHaveAccessibleDescription(/favourite_cake/);
  await expect(card(page, "General (copy)")).toBeVisible();

  // Fixed, it saves.
  await body.fill((await body.inputValue()).replace(" Mention {{favourite_cake}}.", ""));
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor.getByTestId("save-state")).toHaveText("Saved.");
  await expect(bodyError).toHaveCount(0);
  await expect(body).not.toHaveAttribute("aria-invalid", "true");
  await expect(card(page, NAME)).toContainText("bakery");
  await expect(detail.getByRole("heading", { name: NAME, level: 2 })).toBeVisible();

  // What the server stored.
  const stored = await page.request.get(`/api/prompts/${copyId}`);
  expect(stored.ok()).toBeTruthy();
  const t = (await stored.json()) as { name: string; category: string; body: string; variables: string[]; builtin: boolean };
  expect(t.name).toBe(NAME);
  expect(t.category).toBe("bakery");
  expect(t.builtin).toBe(false);
  expect(t.body).toMatch(/^\{\{business_name\}\} bakery\. You are/);
  expect(t.body).toMatch(/Always greet \{\{customer_name\}\} by name\.$/);
  expect(t.variables).toEqual(expect.arrayContaining(["business_name", "customer_name", "relevant_documents"]));
  expect(t.body).not.toContain("favourite_cake");
  await page.context().close();
});

test("the test panel shows the passages found, the rendered prompt and the model's answer or error", async ({ browser }) => {
  expect(copyId).not.toBe("");
  const page = await ownerPage(browser);
  await llmRules([{ times: -1, reply: "We are open Monday to Saturday from 7 am to 6 pm. Fresh sourdough every morning!" }]);
  await fetch(`${process.env.E2E_LLM_URL}/_fake/requests`, { method: "DELETE" });
  await page.goto(`/prompts/?id=${copyId}`);
  const panel = page.getByTestId("test-panel");
  await panel.getByLabel("Customer message").fill("When are you open on Saturday?");
  await panel.getByLabel("Customer name (optional)").fill("Tina Tester");
  await expect(panel.getByLabel("Also ask the model for its answer")).toBeChecked();
  await panel.getByRole("button", { name: "Run test" }).click();

  const passages = panel.getByTestId("preview-passage");
  await expect(passages.first()).toContainText("Opening hours");
  await expect(passages.first()).toContainText("Monday to Saturday from 7 am to 6 pm");
  const prompt = panel.getByTestId("preview-prompt");
  await expect(prompt).toContainText("Sunny Bakery bakery. You are the WhatsApp assistant of Sunny Bakery.");
  await expect(prompt).toContainText("Always greet Tina Tester by name.");
  await expect(prompt).toContainText("Fresh sourdough every morning.");
  await expect(panel.getByTestId("preview-answer")).toContainText("We are open Monday to Saturday from 7 am to 6 pm.");
  await expect(panel.getByTestId("preview-answer")).toContainText("openai/gpt-4o-mini");
  // The model got exactly that prompt.
  const requests = (await (await fetch(`${process.env.E2E_LLM_URL}/_fake/requests`)).json()) as {
    body: { messages?: { role: string; content: string }[] } | null;
  }[];
  const system = requests.at(-1)?.body?.messages?.find((m) => m.role === "system")?.content ?? "";
  expect(system).toContain("Always greet Tina Tester by name.");
  expect(system).toContain(`You are the WhatsApp assistant of ${OWNER.business}.`);

  // The model's failure is shown as it came.
  await llmRules([{ times: -1, status: 402 }]);
  await panel.getByRole("button", { name: "Run test" }).click();
  const failure = panel.getByTestId("preview-answer-error");
  await expect(failure).toBeVisible();
  await expect(failure).toHaveAttribute("role", "alert");
  await expect(failure).toContainText("HTTP 402");
  await expect(failure).toContainText("requires more credits");
  await expect(panel.getByTestId("preview-answer")).toHaveCount(0);
  // The passages and prompt do not need the model.
  await expect(passages.first()).toContainText("Opening hours");
  await llmRules([]);

  // An unsaved edit is tried as it stands in the editor, and the panel says so; nothing is saved.
  const text = page.getByTestId("editor").getByLabel("Template text");
  await text.press("Control+End");
  await text.pressSequentially(" Sign every answer as the {{business_name}} team.");
  await expect(panel.getByTestId("test-unsaved")).toHaveText("The test uses the unsaved text in the editor.");
  await panel.getByLabel("Also ask the model for its answer").uncheck();
  await panel.getByRole("button", { name: "Run test" }).click();
  await expect(prompt).toContainText(`Sign every answer as the ${OWNER.business} team.`);
  const stored = (await (await page.request.get(`/api/prompts/${copyId}`)).json()) as { body: string };
  expect(stored.body).not.toContain("Sign every answer");
  // A draft is checked as a save would be: the error names the unknown variable.
  await text.pressSequentially(" {{shoe_size}}");
  await panel.getByRole("button", { name: "Run test" }).click();
  await expect(panel.getByRole("alert").first()).toContainText("shoe_size");
  await page.context().close();
});

test("activate the template: the gallery marks it, and it stays active after a reload", async ({ browser }) => {
  expect(copyId).not.toBe("");
  const page = await ownerPage(browser);
  await page.goto(`/prompts/?id=${copyId}`);
  const detail = page.getByTestId("template-detail");
  await expect(detail.getByRole("heading", { name: NAME, level: 2 })).toBeVisible();
  await expect(detail.getByTestId("active-state")).toContainText("Not in use");
  await detail.getByRole("button", { name: "Activate" }).click();

  const check = async () => {
    await expect(detail.getByTestId("active-state")).toHaveText("Active: the AI answers every customer with this template.");
    await expect(detail.getByTestId("active-badge")).toBeVisible();
    await expect(card(page, NAME)).toHaveAttribute("data-active", "true");
    await expect(card(page, NAME).getByTestId("active-badge")).toBeVisible();
    await expect(card(page, "General")).toHaveAttribute("data-active", "false");
    await expect(page.locator('[data-testid="template-card"][data-active="true"]')).toHaveCount(1);
    await expect(page.getByText(`The AI speaks with “${NAME}”.`)).toBeVisible();
    await expect(detail.getByRole("button", { name: "Activate" })).toHaveCount(0);
    // The active one cannot be deleted, and the page says why.
    await expect(detail.getByRole("button", { name: "Delete template" })).toBeDisabled();
    await expect(detail.getByRole("button", { name: "Delete template" })).toHaveAccessibleDescription(/activate another one first/);
  };
  await check();
  await page.reload();
  await check();
  // The set-up checklist agrees.
  await page.goto("/setup/");
  await expect(page.getByTestId("step-template")).toContainText(`Active template: ${NAME}.`);
  await page.context().close();
});

test("a copy that is not active can be deleted", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.goto(`/prompts/?id=${copyId}`);
  const detail = page.getByTestId("template-detail");
  await detail.getByRole("button", { name: "Make a copy" }).click();
  await expect(detail.getByRole("heading", { name: `${NAME} (copy)`, level: 2 })).toBeVisible();
  await expect(card(page, `${NAME} (copy)`)).toBeVisible();
  await detail.getByRole("button", { name: "Delete template" }).click();
  await detail.getByRole("button", { name: "Cancel" }).click();
  await detail.getByRole("button", { name: "Delete template" }).click();
  await detail.getByRole("button", { name: "Yes, delete" }).click();
  await expect(page).toHaveURL(/\/prompts\/$/);
  await expect(card(page, `${NAME} (copy)`)).toHaveCount(0);
  await expect(card(page, NAME)).toHaveAttribute("data-active", "true");
  await page.context().close();
});

test("an agent can read and test templates but not change them, and is told why", async ({ browser, baseURL }) => {
  const owner = await ownerPage(browser);
  const invited = await owner.request.post("/api/users", {
    data: { email: "agnes@sunny.example", name: "Agnes Agent", role: "agent" },
    headers: { Origin: baseURL ?? "" }, // as the dashboard's own requests (the server checks it)
  });
  expect(invited.status()).toBe(201);
  const { invite_token } = (await invited.json()) as { invite_token: string };
  await owner.context().close();

  const context = await browser.newContext();
  const page = await context.newPage();
  const accepted = await page.request.post("/api/auth/accept-invite", {
    data: { token: invite_token, password: "agnes-password-123" },
    headers: { Origin: baseURL ?? "" },
  });
  expect(accepted.ok()).toBeTruthy();
  await page.goto(`/prompts/?id=${copyId}`);
  const detail = page.getByTestId("template-detail");
  await expect(detail.getByRole("heading", { name: NAME, level: 2 })).toBeVisible();
  await expect(detail.getByTestId("agent-note")).toContainText("Only the owner can copy, edit or activate templates");
  await expect(detail.getByRole("button", { name: "Make a copy" })).toHaveCount(0);
  await expect(detail.getByRole("button", { name: "Activate" })).toHaveCount(0);
  await expect(detail.getByRole("button", { name: "Save" })).toHaveCount(0);
  await expect(detail.getByTestId("template-body")).toContainText("Always greet {{customer_name}} by name.");

  const panel = page.getByTestId("test-panel");
  await expect(panel.getByLabel("Also ask the model for its answer")).toBeDisabled();
  await expect(panel.getByLabel("Also ask the model for its answer")).toHaveAccessibleDescription(/Only the owner can ask the model/);
  await panel.getByLabel("Customer message").fill("Do you have sourdough?");
  await panel.getByRole("button", { name: "Run test" }).click();
  await expect(panel.getByTestId("preview-passage").first()).toContainText("Opening hours");
  await expect(panel.getByTestId("preview-prompt")).toContainText("Sunny Bakery");
  await expect(panel.getByTestId("preview-answer")).toHaveCount(0);
  await context.close();
});

test("phone width: the gallery, then a template with a way back, nothing wider than the screen", async ({ browser }) => {
  const page = await ownerPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await page.goto("/prompts/");
  const gallery = page.getByTestId("gallery");
  await expect(gallery).toBeVisible();
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(await overflow()).toBeLessThanOrEqual(0);
  await card(page, NAME).click();
  await expect(page.getByTestId("template-detail")).toBeVisible();
  await expect(gallery).toBeHidden();
  await expect(page.getByTestId("editor").getByLabel("Template text")).toBeVisible();
  expect(await overflow()).toBeLessThanOrEqual(0);
  await page.getByRole("link", { name: "All templates" }).click();
  await expect(gallery).toBeVisible();
  await page.context().close();
});

test("keyboard: tab from the gallery to a template and run a test without the mouse", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.goto("/prompts/");
  await card(page, "Restaurant").focus();
  await page.keyboard.press("Enter");
  const detail = page.getByTestId("template-detail");
  await expect(detail.getByRole("heading", { name: "Restaurant", level: 2 })).toBeVisible();
  const message = page.getByTestId("test-panel").getByLabel("Customer message");
  await message.focus();
  await page.keyboard.type("Are you open on Sunday?");
  await page.keyboard.press("Control+Enter");
  await expect(page.getByTestId("preview-prompt")).toContainText("Sunny Bakery");
  await page.context().close();
});

test("screenshots of the Prompts page, light and dark, desktop and phone", async ({ browser }) => {
  const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
  await llmRules([{ times: -1, reply: "We are open Monday to Saturday from 7 am to 6 pm." }]);
  for (const scheme of ["light", "dark"] as const) {
    for (const [size, viewport] of Object.entries(sizes)) {
      const page = await ownerPage(browser, { colorScheme: scheme, viewport, deviceScaleFactor: 1 });
      await page.goto(`/prompts/?id=${copyId}`);
      await expect(page.getByTestId("editor").getByLabel("Template text")).toBeVisible();
      await page.screenshot({ path: `e2e/artifacts/screenshots/prompts-${scheme}-${size}.png` });
      if (size === "phone") {
        await page.goto("/prompts/");
        await expect(card(page, NAME)).toBeVisible();
        await page.screenshot({ path: `e2e/artifacts/screenshots/prompts-gallery-${scheme}-${size}.png` });
      } else {
        const panel = page.getByTestId("test-panel");
        await panel.getByLabel("Customer message").fill("When are you open?");
        await panel.getByRole("button", { name: "Run test" }).click();
        await expect(panel.getByTestId("preview-answer")).toBeVisible();
        await panel.scrollIntoViewIfNeeded();
        await page.screenshot({ path: `e2e/artifacts/screenshots/prompts-test-${scheme}-${size}.png` });
      }
      await page.context().close();
    }
  }
  await llmRules([]);
});
