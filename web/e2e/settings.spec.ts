// Settings, as an owner and as an agent, against the real server: opening hours that persist,
// the server's validation shown beside its field, WhatsApp credentials saved and checked with
// (the fake of) Meta's API, the AI's model and its test call, the team (an invite accepted in a
// second browser, disabling), and the audit log.
import { expect, test, type Page } from "@playwright/test";
import { customerText, deliver, llmRules, OWNER, ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

const AGENT = {
  email: "andy.agent@sunny.example",
  name: "Andy Agent",
  password: "agent-first-password-1",
  newPassword: "agent-second-password-2",
};

async function openSettings(page: Page, tab?: string) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  if (tab) {
    await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: new RegExp(`^${tab}`) }).click();
  }
}

test("the owner sets opening hours, they persist, and the server's objections show beside their field", async ({ browser }) => {
  const page = await ownerPage(browser);
  await openSettings(page);
  const form = page.getByRole("form", { name: "Business profile" });
  await expect(form.getByLabel("Business name")).toHaveValue(OWNER.business);

  // Opening hours: Monday with a lunch break, Saturday morning, Sunday closed.
  const publish = form.getByLabel("Publish opening hours");
  if (!(await publish.isChecked())) await publish.check();
  await form.getByLabel("Time zone").fill("Europe/Madrid");
  const monday = form.getByTestId("day-mon");
  await expect(monday.getByLabel("Monday", { exact: true })).toBeChecked();
  await monday.getByLabel("Monday opens at").fill("08:30");
  await monday.getByLabel("Monday closes at").fill("14:00");
  await monday.getByRole("button", { name: "Add an interval on Monday" }).click();
  await monday.getByLabel("Monday interval 2 opens at").fill("16:00");
  await monday.getByLabel("Monday interval 2 closes at").fill("20:00");
  const saturday = form.getByTestId("day-sat");
  await saturday.getByLabel("Saturday", { exact: true }).check();
  await saturday.getByLabel("Saturday opens at").fill("09:00");
  await saturday.getByLabel("Saturday closes at").fill("13:00");
  const sunday = form.getByTestId("day-sun");
  await sunday.getByLabel("Sunday", { exact: true }).uncheck();
  await expect(sunday).toContainText("Closed");
  await form.getByRole("button", { name: "Save business profile" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");

  // After a reload, what the server stored.
  await page.reload();
  await expect(form.getByLabel("Time zone")).toHaveValue("Europe/Madrid");
  await expect(monday.getByLabel("Monday opens at")).toHaveValue("08:30");
  await expect(monday.getByLabel("Monday closes at")).toHaveValue("14:00");
  await expect(monday.getByLabel("Monday interval 2 opens at")).toHaveValue("16:00");
  await expect(monday.getByLabel("Monday interval 2 closes at")).toHaveValue("20:00");
  await expect(saturday.getByLabel("Saturday opens at")).toHaveValue("09:00");
  await expect(sunday.getByLabel("Sunday", { exact: true })).not.toBeChecked();
  await expect(form.getByTestId("day-tue").getByLabel("Tuesday opens at")).toHaveValue("09:00");
  const stored = await page.request.get("/api/settings/business");
  const profile = (await stored.json()) as { hours: { time_zone: string; days: Record<string, unknown[]> } };
  expect(profile.hours.time_zone).toBe("Europe/Madrid");
  expect(profile.hours.days.mon).toEqual([
    { open: "08:30", close: "14:00" },
    { open: "16:00", close: "20:00" },
  ]);
  expect(profile.hours.days.sun).toEqual([]);

  // A time zone the server does not know: its explanation sits beside the field.
  const zone = form.getByLabel("Time zone");
  await zone.fill("Mars/Olympus_Mons");
  await form.getByRole("button", { name: "Save business profile" }).click();
  await expect(form.getByRole("alert")).toContainText("not a time zone");
  await expect(zone).toHaveAttribute("aria-invalid", "true");
  await expect(zone).toHaveAccessibleDescription(/not a time zone PostgreSQL knows/);

  // Closing before opening: the error is on Tuesday's row.
  await zone.fill("Europe/Madrid");
  const tuesday = form.getByTestId("day-tue");
  await tuesday.getByLabel("Tuesday opens at").fill("18:00");
  await tuesday.getByLabel("Tuesday closes at").fill("09:00");
  await form.getByRole("button", { name: "Save business profile" }).click();
  await expect(tuesday).toContainText("Tuesday: intervals need open before close");
  await expect(zone).not.toHaveAttribute("aria-invalid", "true");
  await expect(tuesday.getByLabel("Tuesday opens at")).toHaveAttribute("aria-invalid", "true");

  // Nothing invalid was stored.
  await page.reload();
  await expect(form.getByTestId("day-tue").getByLabel("Tuesday opens at")).toHaveValue("09:00");

  // Back to no published hours, so that no other spec's customer gets the away message.
  await form.getByLabel("Publish opening hours").uncheck();
  await form.getByRole("button", { name: "Save business profile" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  const after = (await (await page.request.get("/api/settings/business")).json()) as { hours: unknown };
  expect(after.hours).toBeNull();

  // A new name shows in the header at once, without a reload; then the old one again.
  const header = page.getByRole("banner");
  await form.getByLabel("Business name").fill("Sunny Bakery & Café");
  await form.getByRole("button", { name: "Save business profile" }).click();
  await expect(header.getByText("Sunny Bakery & Café")).toBeVisible();
  await form.getByLabel("Business name").fill(OWNER.business);
  await form.getByRole("button", { name: "Save business profile" }).click();
  await expect(header.getByText(OWNER.business, { exact: true })).toBeVisible();
  await page.context().close();
});


test("the owner saves a WhatsApp verify token that Meta's verification then needs, and checks the connection", async ({ browser, baseURL }) => {
  const page = await ownerPage(browser);
  await openSettings(page, "WhatsApp");
  const form = page.getByRole("form", { name: "WhatsApp credentials" });
  const verifyRow = form.getByTestId("credential-verify_token");
  await expect(verifyRow).toHaveAttribute("data-source", "environment");
  await expect(page.getByTestId("settings-verify-token")).toHaveText("e2e-verify-token");
  await expect(form.getByLabel("Phone number ID")).toHaveValue("106540352242922");
  await expect(form.getByLabel("Access token")).toHaveValue("");

  // The server's objection shows beside the field, and nothing is saved.
  await form.getByLabel("Phone number ID").fill("+1 555 0100");
  await form.getByRole("button", { name: "Save", exact: true }).click();
  await expect(form.getByText(/must be the numeric Phone number ID/)).toBeVisible();
  await expect(form.getByLabel("Phone number ID")).toHaveAttribute("aria-invalid", "true");
  await form.getByLabel("Phone number ID").fill("106540352242922");

  // A new verify token applies at once: Meta's verification needs it from now on.
  await form.getByLabel("Verify token").fill("e2e-saved-verify-token");
  await form.getByRole("button", { name: "Save", exact: true }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await expect(verifyRow).toHaveAttribute("data-source", "settings");
  await expect(page.getByTestId("settings-verify-token")).toHaveText("e2e-saved-verify-token");
  const verify = (token: string) =>
    fetch(`${baseURL}/api/webhook/whatsapp?hub.mode=subscribe&hub.challenge=7&hub.verify_token=${token}`);
  expect((await verify("e2e-saved-verify-token")).status).toBe(200);
  expect((await verify("e2e-verify-token")).status).toBe(403);

  // The check asks Meta about the number and reads what the webhook saw.
  await deliver(customerText("15550009999", "Check Tester", "Hello?", `wamid.check.${Date.now()}`));
  await page.getByRole("button", { name: "Check connection" }).click();
  const check = page.getByTestId("whatsapp-check");
  await expect(check).toHaveAttribute("data-ok", "true");
  await expect(check.getByTestId("check-meta")).toHaveAttribute("data-status", "ok");
  await expect(check.getByTestId("check-meta")).toContainText("+1 555-0100 (Sunny Bakery)");
  await expect(check.getByTestId("check-webhook")).toHaveAttribute("data-status", "ok");
  await check.getByTestId("check-webhook").scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/artifacts/screenshots/settings-whatsapp-check-desktop.png" });

  // Removing the saved value gives the environment's back.
  page.once("dialog", (d) => void d.accept());
  await verifyRow.getByRole("button", { name: "Remove the saved verify token" }).click();
  await expect(verifyRow).toHaveAttribute("data-source", "environment");
  await expect(page.getByTestId("settings-verify-token")).toHaveText("e2e-verify-token");
  expect((await verify("e2e-verify-token")).status).toBe(200);
  await page.context().close();
});
test("the owner changes the AI's model and tests it: the answer, then the exact error", async ({ browser }) => {
  await llmRules([]);
  const page = await ownerPage(browser);
  await openSettings(page, "AI");
  const form = page.getByRole("form", { name: "AI settings" });
  const model = form.getByLabel("Model", { exact: true });
  const before = await model.inputValue();
  expect(before).toBe("openai/gpt-4o-mini");
  const temperature = await form.getByLabel("Temperature").inputValue();
  await expect(page.getByTestId("api-key-state")).toHaveAttribute("data-set", "true");

  // A value out of range is refused beside its field, and nothing is stored.
  await form.getByLabel("Temperature").fill("3");
  await form.getByRole("button", { name: "Save AI settings" }).click();
  await expect(form.getByRole("alert")).toContainText("not valid");
  await expect(form.getByLabel("Temperature")).toHaveAccessibleDescription(/must be a number from 0 to 2/);
  await form.getByLabel("Temperature").fill("0.4");

  await model.fill("fake/cheap-model");
  await form.getByRole("button", { name: "Save AI settings" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await page.reload();
  await expect(model).toHaveValue("fake/cheap-model");
  await expect(form.getByLabel("Temperature")).toHaveValue("0.4");

  // One real call (to the fake LLM), with its latency and answer.
  const tester = page.getByTestId("ai-test");
  await tester.getByRole("button", { name: "Test the model" }).click();
  const result = tester.getByTestId("ai-test-result");
  await expect(result).toHaveAttribute("data-ok", "true");
  await expect(result).toContainText(/fake\/cheap-model answered in \d+ ms/);
  await expect(tester.getByTestId("ai-test-answer")).toHaveText("This is the fake model's answer.");

  // The service refuses the key: the exact error, as an alert.
  await llmRules([{ status: 401 }]);
  await tester.getByRole("button", { name: "Test the model" }).click();
  await expect(tester.getByRole("alert")).toContainText("refused the API key (401)");
  await expect(tester.getByRole("alert")).toContainText("HTTP 401");
  await llmRules([]);

  // Back to the model the other specs expect.
  await model.fill(before);
  await form.getByLabel("Temperature").fill(temperature);
  await form.getByRole("button", { name: "Save AI settings" }).click();
  await expect(form.getByRole("status")).toHaveText("Saved.");
  await page.context().close();
});

test("an invited agent joins in another browser, sees no owner sections, changes their password, and is disabled", async ({ browser, baseURL }) => {
  const owner = await ownerPage(browser);
  await openSettings(owner, "Team");
  const invite = owner.getByRole("form", { name: "Invite a team member" });
  await invite.getByLabel("Email").fill(AGENT.email);
  await invite.getByLabel("Name").fill(AGENT.name);
  await expect(invite.getByLabel("Role")).toHaveValue("agent");
  await invite.getByRole("button", { name: "Create invite link" }).click();
  const link = owner.getByTestId("invite-link");
  await expect(link).toContainText(`${baseURL}/accept-invite?token=`);
  await expect(owner.getByRole("button", { name: "Copy the invite link" })).toBeVisible();
  const inviteUrl = (await link.textContent()) ?? "";
  const row = owner.getByTestId("team-member").filter({ hasText: AGENT.email });
  await expect(row).toContainText("Invited");

  // The same email twice: the server's refusal, in the form.
  await invite.getByLabel("Email").fill(AGENT.email);
  await invite.getByRole("button", { name: "Create invite link" }).click();
  await expect(invite.getByRole("alert")).toContainText("exists");

  // The agent, in a browser of their own.
  const agentContext = await browser.newContext();
  const agent = await agentContext.newPage();
  await agent.goto(inviteUrl);
  await agent.getByLabel("New password").fill(AGENT.password);
  await agent.getByLabel("Repeat the password").fill(AGENT.password);
  await agent.getByRole("button", { name: "Set password and sign in" }).click();
  await expect(agent).toHaveURL(/\/conversations\/$/);
  await openSettings(agent);
  const sections = agent.getByRole("navigation", { name: "Settings sections" });
  await expect(sections.getByRole("link")).toHaveText([/^Business/, /^WhatsApp/, /^My account/]);
  await expect(sections.getByRole("link", { name: /^AI/ })).toHaveCount(0);
  await expect(agent.getByRole("heading", { name: "My account" })).toBeVisible();
  await expect(agent.getByTestId("account-role")).toHaveText("Agent");
  // Asking for an owner section by address shows theirs instead.
  for (const tab of ["team", "ai", "audit"]) {
    await agent.goto(`/settings/?tab=${tab}`);
    await expect(agent.getByRole("heading", { name: "My account" })).toBeVisible();
    await expect(agent.getByTestId(`section-${tab}`)).toHaveCount(0);
  }
  // The business profile, read-only; WhatsApp's status without the verify token.
  await sections.getByRole("link", { name: /^Business/ }).click();
  const business = agent.getByRole("form", { name: "Business profile" });
  await expect(business.getByLabel("Business name")).toHaveValue(OWNER.business);
  await expect(business.getByLabel("Business name")).toHaveAttribute("readonly", "");
  await expect(business.getByRole("button", { name: "Save business profile" })).toHaveCount(0);
  await sections.getByRole("link", { name: /^WhatsApp/ }).click();
  await expect(agent.getByTestId("whatsapp-state")).toHaveAttribute("data-done", "true");
  await expect(agent.getByTestId("settings-verify-token")).toHaveCount(0);
  await expect(agent.getByText("The verify token is shown to owners only.")).toBeVisible();

  // Changing their password: a wrong current one first.
  await sections.getByRole("link", { name: /^My account/ }).click();
  const password = agent.getByRole("form", { name: "Change password" });
  await password.getByLabel("Current password").fill("not-my-password");
  await password.getByLabel("New password", { exact: true }).fill(AGENT.newPassword);
  await password.getByLabel("Repeat the new password").fill(AGENT.newPassword);
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("alert")).toHaveText("The current password is wrong.");
  await expect(password.getByLabel("Current password")).toHaveAccessibleDescription("is wrong");
  await password.getByLabel("Current password").fill(AGENT.password);
  await password.getByLabel("New password", { exact: true }).fill(AGENT.newPassword);
  await password.getByLabel("Repeat the new password").fill(AGENT.newPassword);
  await password.getByRole("button", { name: "Change password" }).click();
  await expect(password.getByRole("status")).toContainText("Your password is changed");
  // The session this browser got with the change still works.
  await agent.reload();
  await expect(agent.getByTestId("account-role")).toHaveText("Agent");

  // The owner sees them active, then disables them: their session ends.
  await owner.reload();
  await expect(row).toContainText("Active");
  await expect(row.getByTestId("last-sign-in")).not.toHaveText("Has not accepted yet");
  await row.getByRole("button", { name: `Disable ${AGENT.name}` }).click();
  await expect(row).toContainText("Disabled");
  await expect(row.getByRole("button", { name: `Enable ${AGENT.name}` })).toBeVisible();
  await agent.reload();
  await expect(agent).toHaveURL(/\/login\/\?next=/);
  await agentContext.close();

  // The last active owner cannot be demoted or disabled: the server's 409, explained.
  const me = owner.getByTestId("team-member").filter({ hasText: OWNER.email });
  await me.getByLabel(`Role of ${OWNER.name}`).selectOption("agent");
  await expect(me.getByRole("alert")).toContainText("at least one active owner");
  await expect(me.getByLabel(`Role of ${OWNER.name}`)).toHaveValue("owner");
  await me.getByRole("button", { name: `Disable ${OWNER.name}` }).click();
  await expect(me.getByRole("alert")).toContainText("make another user owner first");
  await owner.reload();
  await expect(me).toContainText("Active");
  await expect(me.getByLabel(`Role of ${OWNER.name}`)).toHaveValue("owner");

  // An invite sent by mistake is removed, after a confirmation.
  await invite.getByLabel("Email").fill("wrong.person@sunny.example");
  await invite.getByRole("button", { name: "Create invite link" }).click();
  await expect(link).toContainText("/accept-invite?token=");
  const wrong = owner.getByTestId("team-member").filter({ hasText: "wrong.person@sunny.example" });
  await wrong.getByRole("button", { name: "Remove wrong.person@sunny.example" }).click();
  await wrong.getByRole("button", { name: "Cancel" }).click();
  await expect(wrong).toBeVisible();
  await wrong.getByRole("button", { name: "Remove wrong.person@sunny.example" }).click();
  await wrong.getByRole("button", { name: "Remove for good" }).click();
  await expect(wrong).toHaveCount(0);
  await owner.reload();
  await expect(owner.getByTestId("team-member").filter({ hasText: AGENT.email })).toBeVisible();
  await expect(wrong).toHaveCount(0);
  await owner.context().close();
});

test("the audit log shows who invited whom, newest first", async ({ browser }) => {
  const page = await ownerPage(browser);
  await openSettings(page, "Audit log");
  const entries = page.getByTestId("audit-entry");
  const invited = entries.filter({ hasText: `Invited ${AGENT.email} as agent` });
  await expect(invited).toHaveCount(1);
  await expect(invited).toContainText(OWNER.email);
  await expect(invited).toContainText("127.0.0.1");
  // Newest first: the disabling came after the invite.
  await expect(entries.filter({ hasText: `Changed ${AGENT.email}: disabled` })).toHaveCount(1);
  const texts = await entries.allTextContents();
  const disabledAt = texts.findIndex((t) => t.includes(`Changed ${AGENT.email}: disabled`));
  const invitedAt = texts.findIndex((t) => t.includes(`Invited ${AGENT.email} as agent`));
  expect(disabledAt).toBeGreaterThanOrEqual(0);
  expect(disabledAt).toBeLessThan(invitedAt);
  await expect(entries.filter({ hasText: "Changed AI settings" }).first()).toBeVisible();
  await expect(entries.filter({ hasText: "Changed WhatsApp credentials: verify token replaced" })).toHaveCount(1);
  await expect(entries.filter({ hasText: "Changed WhatsApp credentials: verify token removed" })).toHaveCount(1);
  await page.context().close();
});

test("screenshots of the settings, light and dark, desktop and phone, and nothing wider than a 360 px phone", async ({ browser }) => {
  const sizes = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
  for (const scheme of ["light", "dark"] as const) {
    for (const [size, viewport] of Object.entries(sizes)) {
      const page = await ownerPage(browser, { colorScheme: scheme, viewport, deviceScaleFactor: 1 });
      await page.goto("/settings/?tab=business");
      const business = page.getByRole("form", { name: "Business profile" });
      await expect(business.getByLabel("Business name")).toHaveValue(OWNER.business);
      // Shown, not saved: the week's rows are what this page is mostly about.
      await business.getByLabel("Publish opening hours").check();
      await expect(business.getByTestId("day-sun")).toBeVisible();
      await page.screenshot({ path: `e2e/artifacts/screenshots/settings-${scheme}-${size}.png` });
      await page.goto("/settings/?tab=team");
      await expect(page.getByTestId("team-member").first()).toBeVisible();
      await page.screenshot({ path: `e2e/artifacts/screenshots/settings-team-${scheme}-${size}.png` });
      await page.goto("/settings/?tab=ai");
      await expect(page.getByTestId("ai-test")).toBeVisible();
      await page.screenshot({ path: `e2e/artifacts/screenshots/settings-ai-${scheme}-${size}.png` });
      await page.context().close();
    }
  }
  const phone = await ownerPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  for (const tab of ["business", "whatsapp", "ai", "team", "audit", "account"]) {
    await phone.goto(`/settings/?tab=${tab}`);
    await expect(phone.getByTestId(`section-${tab}`)).toBeVisible();
    await expect(phone.getByTestId(`section-${tab}`).locator("form, .card, table").first()).toBeVisible();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `the ${tab} section is wider than the phone`).toBeLessThanOrEqual(0);
  }
  await phone.context().close();
});
