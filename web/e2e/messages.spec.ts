// The message types of docs/messages.md in the browser, against the real server: a buttons and
// a list message sent through the API show in the simulator as the customer sees them on
// WhatsApp, and the customer's tap comes back to the inbox as an `interactive` message that
// quotes the message it answers. Runs after dashboard.spec.ts (the owner and the LLM key).
import { expect, test, type Page } from "@playwright/test";
import { llmRules, ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

const BUTTONS = {
  type: "buttons",
  header: "Your order",
  body: "How would you like to get your cake?",
  footer: "Sunny Bakery",
  buttons: [
    { id: "pickup", title: "Pick up" },
    { id: "delivery", title: "Delivery" },
    { id: "later", title: "Decide later" },
  ],
};

const LIST = {
  type: "list",
  header: "Cakes",
  body: "Which size would you like?",
  footer: "Prices include VAT",
  button: "Choose a size",
  sections: [
    {
      title: "Round",
      rows: [
        { id: "round-s", title: "Small round", description: "6 slices, 18 euros" },
        { id: "round-l", title: "Large round", description: "12 slices, 32 euros" },
      ],
    },
    { title: "Sheet", rows: [{ id: "sheet", title: "Sheet cake", description: "24 slices, 55 euros" }] },
  ],
};

interface StoredMessage {
  id: string;
  type: string;
  direction: string;
  payload: Record<string, unknown> | null;
}

/** Sends a message as an agent through the API, as another client would; answers its id. */
async function sendAsAgent(page: Page, origin: string, conversationId: string, message: object): Promise<string> {
  const r = await page.request.post(`/api/conversations/${conversationId}/messages`, {
    data: message,
    headers: { Origin: origin },
  });
  expect(r.ok(), `the server refused the message: ${r.status()} ${await r.text()}`).toBeTruthy();
  const body = (await r.json()) as { messages?: StoredMessage[]; message?: StoredMessage };
  const id = (body.messages?.[0] ?? body.message)?.id;
  expect(id).toBeTruthy();
  return id!;
}

async function storedTaps(page: Page, conversationId: string): Promise<StoredMessage[]> {
  const r = await page.request.get(`/api/conversations/${conversationId}/messages?limit=50`);
  expect(r.ok()).toBeTruthy();
  const items = ((await r.json()) as { items: StoredMessage[] }).items;
  return items.filter((m) => m.type === "interactive" && m.direction === "inbound");
}

test("buttons and a list sent through the API show in the simulator, and a tapped button comes back to the inbox", async ({
  browser,
  baseURL,
}) => {
  const origin = new URL(baseURL ?? "").origin;
  const inbox = await ownerPage(browser);
  const simulator = await inbox.context().newPage();
  await llmRules([]);

  // A customer writes first: the 24-hour window is open, and the simulator follows the thread.
  await simulator.goto("/simulator/");
  await simulator.getByRole("button", { name: "New customer" }).click();
  await simulator.getByLabel("Customer name").fill("Bea Buttons");
  await simulator.getByLabel("Message").fill("Can I order a birthday cake?");
  await simulator.getByRole("button", { name: "Send" }).click();
  const phone = simulator.getByTestId("phone");
  await expect(phone.getByTestId("sim-message").filter({ hasText: "fake model" })).toBeVisible();
  const href = await simulator.getByRole("link", { name: "Open in the inbox" }).getAttribute("href");
  const conversationId = new URL(href ?? "", origin).searchParams.get("id") ?? "";
  expect(conversationId).not.toBe("");
  await inbox.goto(`/conversations/?id=${conversationId}`);
  await expect(inbox.getByTestId("thread-title")).toHaveText("Bea Buttons");

  const buttonsId = await sendAsAgent(inbox, origin, conversationId, BUTTONS);
  const listId = await sendAsAgent(inbox, origin, conversationId, LIST);

  // The buttons message: header, body and footer, and its three buttons, as WhatsApp shows them.
  const buttons = phone.locator(`[data-testid="sim-message"][data-id="${buttonsId}"]`);
  await expect(buttons).toHaveAttribute("data-type", "buttons");
  await expect(buttons).toContainText(BUTTONS.header);
  await expect(buttons.getByTestId("message-text")).toHaveText(BUTTONS.body);
  await expect(buttons.getByTestId("message-footer")).toHaveText(BUTTONS.footer);
  await expect(buttons.getByRole("button")).toHaveCount(3);
  for (const b of BUTTONS.buttons) await expect(buttons.getByRole("button", { name: b.title, exact: true })).toBeEnabled();

  // The list message: its body and its button; opening it shows the sections and the rows.
  const list = phone.locator(`[data-testid="sim-message"][data-id="${listId}"]`);
  await expect(list).toHaveAttribute("data-type", "list");
  await expect(list.getByTestId("message-text")).toHaveText(LIST.body);
  const menu = list.getByRole("button", { name: LIST.button, exact: true });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  const rows = list.getByTestId("list-rows");
  await expect(rows.getByRole("heading", { name: "Round" })).toBeVisible();
  await expect(rows.getByRole("heading", { name: "Sheet" })).toBeVisible();
  await expect(rows.getByTestId("choice")).toHaveCount(3);
  await expect(rows.getByRole("button", { name: /Large round/ })).toContainText("12 slices, 32 euros");
  await simulator.screenshot({ path: "e2e/artifacts/screenshots/simulator-buttons-and-list.png" });

  // The agent's thread shows them too.
  const inThread = inbox.locator(`[data-testid="message"][data-id="${buttonsId}"]`);
  await expect(inThread.getByTestId("choice")).toHaveText(BUTTONS.buttons.map((b) => new RegExp(`${b.title}$`)));

  // The customer taps "Delivery": an inbound message that shows the button and quotes the question.
  await buttons.getByRole("button", { name: "Delivery", exact: true }).click();
  const tap = phone.locator('[data-testid="sim-message"][data-type="interactive"]');
  await expect(tap).toHaveCount(1);
  await expect(tap.getByTestId("message-text")).toHaveText("Delivery");
  await expect(tap.getByTestId("quote")).toHaveAttribute("data-quoted", buttonsId);

  // It arrives in the inbox live, linked to the message it answers.
  const answer = inbox.locator('[data-testid="message"][data-sender="customer"][data-type="interactive"]');
  await expect(answer).toHaveCount(1);
  await expect(answer).toContainText("Tapped a button");
  await expect(answer.getByTestId("message-text")).toHaveText("Delivery");
  const quote = answer.getByTestId("quote");
  await expect(quote).toHaveAttribute("data-quoted", buttonsId);
  await expect(quote).toContainText(BUTTONS.body);
  await quote.click();
  await expect(inThread).toBeFocused();

  // As docs/messages.md says it is stored.
  const [stored] = await storedTaps(inbox, conversationId);
  expect(stored?.payload).toMatchObject({ reply: { kind: "button", id: "delivery", title: "Delivery" }, in_reply_to: buttonsId });

  // A row of the list, with its description.
  await rows.getByRole("button", { name: /Large round/ }).click();
  const picked = phone.locator('[data-testid="sim-message"][data-type="interactive"]').filter({ hasText: "Large round" });
  await expect(picked).toContainText("12 slices, 32 euros");
  await expect(picked.getByTestId("quote")).toHaveAttribute("data-quoted", listId);
  const pickedInThread = inbox.locator('[data-testid="message"][data-type="interactive"]').filter({ hasText: "Large round" });
  await expect(pickedInThread).toContainText("Picked from the list");
  await expect.poll(async () => (await storedTaps(inbox, conversationId)).length).toBe(2);
  const row = (await storedTaps(inbox, conversationId)).find((m) => (m.payload?.reply as { id?: string })?.id === "round-l");
  expect(row?.payload).toMatchObject({
    reply: { kind: "list", id: "round-l", title: "Large round", description: "12 slices, 32 euros" },
    in_reply_to: listId,
  });
  await inbox.context().close();
});
