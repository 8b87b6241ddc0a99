// The dashboard in Debian's Chromium against a real botflow, PostgreSQL and Redis, with the
// fake Graph API and LLM. One story, in order: the first run, signing in, the live inbox.
import { expect, test } from "@playwright/test";
import { customerText, deliver, llmRules, OWNER, ownerPage, sentByGraph, signIn, status } from "./helpers";

test.describe.configure({ mode: "serial" });

test("first run: the owner registers with the setup link, then the checklist guides the set-up", async ({ page, baseURL }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Welcome to BotFlow" })).toBeVisible();

  // The link the server logged at its first start fills in the token.
  await page.goto(`/setup?token=${process.env.E2E_SETUP_TOKEN}`);
  await expect(page.getByLabel("Setup token")).toHaveValue(process.env.E2E_SETUP_TOKEN ?? "");
  await page.getByLabel("Business name").fill(OWNER.business);
  await page.getByLabel("Your name").fill(OWNER.name);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill(OWNER.password);
  // A wrong token is refused by the server, and the page says so.
  await page.getByLabel("Setup token").fill("not-the-token");
  await page.getByRole("button", { name: "Create owner account" }).click();
  await expect(page.locator("form").getByRole("alert")).toContainText(/token/i);
  await page.getByLabel("Setup token").fill(process.env.E2E_SETUP_TOKEN ?? "");
  await page.getByRole("button", { name: "Create owner account" }).click();

  await expect(page.getByRole("heading", { name: "Set up your assistant" })).toBeVisible();
  await expect(page.getByTestId("whoami")).toHaveText(OWNER.name);
  // WhatsApp is configured through the environment; the webhook URL is ready to paste.
  await expect(page.getByTestId("step-whatsapp")).toHaveAttribute("data-done", "true");
  await expect(page.getByTestId("webhook-url")).toHaveText(`${baseURL}/api/webhook/whatsapp`);
  await expect(page.getByText("e2e-verify-token")).toBeVisible();

  // No LLM key yet (the fake LLM wants one): the owner pastes it.
  const llm = page.getByTestId("step-llm");
  await expect(llm).toContainText("No API key yet");
  await llm.getByLabel(/API key/).fill("e2e-llm-key");
  await llm.getByRole("button", { name: "Save key" }).click();
  await expect(llm).toContainText("An API key is set.");
  await expect(llm).toHaveAttribute("data-done", "true");
  await expect(llm.getByLabel(/API key/)).toHaveCount(0);

  // Empty knowledge: the first snippet.
  const knowledge = page.getByTestId("step-knowledge");
  await expect(knowledge).toHaveAttribute("data-done", "false");
  await knowledge.getByLabel("Title").fill("Opening hours");
  await knowledge
    .getByLabel("What the AI should know")
    .fill("Sunny Bakery is open Monday to Saturday from 7 am to 6 pm. Fresh sourdough every morning.");
  await knowledge.getByRole("button", { name: "Add to knowledge" }).click();
  await expect(knowledge).toHaveAttribute("data-done", "true");
  await expect(page.getByTestId("step-template")).toHaveAttribute("data-done", "true");
  await expect(page.getByRole("status").filter({ hasText: "Everything is connected." })).toBeVisible();

  // The checklist's shortcut.
  await page.getByRole("link", { name: "Try the bot in the simulator" }).click();
  await expect(page.getByRole("heading", { name: "Simulator" })).toBeVisible();
});

test("sign out, a wrong password, and signing in again", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\/$/);
  // Signed out means signed out: the inbox sends us back.
  await page.goto("/conversations/");
  await expect(page).toHaveURL(/\/login\/\?next=/);
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  // (Next.js adds a route announcer that is an alert too: the form's own is the one in the form.)
  await expect(page.locator("form").getByRole("alert")).toHaveText("Wrong email or password.");
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/conversations\/$/);
});

test("a simulator message appears in the inbox without reload and the AI's answer streams in", async ({ browser }) => {
  const inbox = await ownerPage(browser);
  const simulator = await inbox.context().newPage();
  await llmRules([]);
  await simulator.goto("/simulator/");
  await simulator.getByLabel("Customer name").fill("Sam Simulator");
  await simulator.getByLabel("Message").fill("Hello!");
  await simulator.getByRole("button", { name: "Send" }).click();

  // The inbox, open in another tab, shows the new conversation live.
  const row = inbox.getByTestId("conversation-row").filter({ hasText: "Sam Simulator" });
  await expect(row).toBeVisible();
  await expect(simulator.getByTestId("sim-message").filter({ hasText: "fake model" })).toBeVisible();
  await row.click();
  await expect(inbox.getByTestId("thread-title")).toHaveText("Sam Simulator");

  // A slower model, so the answer is seen while it is written.
  await llmRules([
    { times: -1, token_delay_ms: 250, reply: "We are open Monday to Saturday from 7 am to 6 pm, see you soon!" },
  ]);
  await simulator.getByLabel("Message").fill("When are you open?");
  await simulator.getByRole("button", { name: "Send" }).click();
  await expect(inbox.getByTestId("message").filter({ hasText: "When are you open?" })).toBeVisible();
  const stream = inbox.getByTestId("ai-stream");
  await expect(stream).toBeVisible();
  await expect(stream).toContainText("We are open");
  const answer = inbox.locator('[data-testid="message"][data-sender="ai"]').filter({ hasText: "see you soon!" });
  await expect(answer).toBeVisible({ timeout: 20_000 });
  await expect(stream).toBeHidden();
  // Simulator replies are delivered at once: never sent to WhatsApp.
  await expect(answer.getByTestId("ticks")).toHaveAttribute("data-status", "delivered");
  await expect(simulator.getByTestId("sim-message").filter({ hasText: "see you soon!" })).toBeVisible();

  // The passages the answer was given.
  await answer.getByRole("button", { name: "Sources" }).click();
  await expect(answer.getByTestId("sources")).toContainText("Opening hours");
  await llmRules([]);
  await inbox.context().close();
});

test("take over and reply by hand: a colleague sees it live, and delivery ticks follow WhatsApp", async ({ browser }) => {
  const waId = "34600111222";
  await llmRules([]);
  await deliver(customerText(waId, "Carla Customer", "Is the carrot cake gluten free?", "wamid.e2e.carla.1"));

  const agent = await ownerPage(browser);
  const colleague = await ownerPage(browser);
  await agent.getByTestId("conversation-row").filter({ hasText: "Carla Customer" }).click();
  await colleague.getByTestId("conversation-row").filter({ hasText: "Carla Customer" }).click();
  await expect(agent.locator('[data-testid="message"][data-sender="ai"]')).toBeVisible({ timeout: 20_000 });

  await agent.getByRole("button", { name: "Take over" }).click();
  await expect(agent.getByRole("button", { name: "Hand back to AI" })).toBeVisible();
  await expect(agent.getByRole("switch", { name: "AI answers this conversation" })).not.toBeChecked();
  // The colleague's screen follows.
  await expect(colleague.getByRole("button", { name: "Hand back to AI" })).toBeVisible();

  const composer = agent.getByLabel("Reply");
  await composer.fill("Yes, it is!");
  await composer.press("Shift+Enter");
  await composer.pressSequentially("Made with almond flour.");
  await composer.press("Enter");
  const reply = agent.locator('[data-testid="message"][data-sender="agent"]');
  await expect(reply).toContainText("Made with almond flour.");
  await expect(reply.getByTestId("message-text")).toHaveText("Yes, it is!\nMade with almond flour.");
  await expect(composer).toHaveValue("");
  await expect(colleague.locator('[data-testid="message"][data-sender="agent"]')).toContainText("almond flour");
  // The customer panel counts the question, the AI's answer and the reply.
  await expect(agent.getByRole("complementary", { name: "Customer" }).getByTestId("message-count")).toHaveText("3");

  // WhatsApp accepts it (the fake Graph API), then reports delivered and read.
  await expect(reply.getByTestId("ticks")).toHaveAttribute("data-status", "sent", { timeout: 15_000 });
  const sent = (await sentByGraph()).find((m) => m.body.includes("almond flour"));
  expect(sent?.to).toBe(`+${waId}`);
  await deliver(status(sent!.wamid, waId, "delivered"));
  await expect(reply.getByTestId("ticks")).toHaveAttribute("data-status", "delivered");
  await expect(colleague.locator('[data-testid="message"][data-sender="agent"]').getByTestId("ticks")).toHaveAttribute(
    "data-status",
    "delivered",
  );
  await deliver(status(sent!.wamid, waId, "read"));
  await expect(reply.getByTestId("ticks")).toHaveAttribute("data-status", "read");

  // Handing back turns the AI on again for this customer.
  await agent.getByRole("button", { name: "Hand back to AI" }).click();
  await expect(agent.getByRole("switch", { name: "AI answers this conversation" })).toBeChecked();
  await agent.context().close();
  await colleague.context().close();
});

test("the phone-width layout shows the list, then the thread with a way back", async ({ browser }) => {
  const page = await ownerPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await expect(page.getByTestId("conversation-list")).toBeVisible();
  const box = await page.getByTestId("conversation-list").boundingBox();
  expect(box?.width).toBeGreaterThan(340);
  await page.getByTestId("conversation-row").filter({ hasText: "Carla Customer" }).click();
  await expect(page.getByTestId("thread-title")).toBeVisible();
  await expect(page.getByTestId("conversation-list")).toBeHidden();
  // Nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.getByRole("button", { name: "Back to the list" }).click();
  await expect(page.getByTestId("conversation-list")).toBeVisible();
  await page.context().close();
});

test("screenshots of each main page, light and dark, desktop and phone", async ({ browser }) => {
  const conversation = await (async () => {
    const page = await ownerPage(browser);
    const r = await page.request.get("/api/conversations?q=Carla");
    expect(r.ok()).toBeTruthy();
    const id = ((await r.json()) as { items: { id: string }[] }).items[0]?.id;
    await page.context().close();
    return id;
  })();
  expect(conversation).toBeTruthy();
  const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
  for (const scheme of ["light", "dark"] as const) {
    for (const [size, viewport] of Object.entries(sizes)) {
      const page = await ownerPage(browser, { colorScheme: scheme, viewport, deviceScaleFactor: 1 });
      const context = page.context();
      const shot = (name: string) => page.screenshot({ path: `e2e/artifacts/screenshots/${name}-${scheme}-${size}.png` });
      await expect(page.getByTestId("conversation-row").first()).toBeVisible();
      await shot("inbox");
      await page.goto("/login/");
      await expect(page.getByRole("heading", { name: "Sign in to BotFlow" })).toBeVisible();
      await shot("login");
      await page.goto(`/conversations/?id=${conversation}`);
      await expect(page.getByTestId("message").first()).toBeVisible();
      await shot("conversations");
      await page.goto("/simulator/");
      await expect(page.getByTestId("phone")).toBeVisible();
      await shot("simulator");
      await page.goto("/setup/");
      await expect(page.getByRole("heading", { name: "Set up your assistant" })).toBeVisible();
      await shot("setup");
      await context.close();
    }
  }
});
