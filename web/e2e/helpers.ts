// What the browser tests share: the owner they create, signing in, and the fakes' controls.
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { expect, type Browser, type Page } from "@playwright/test";

export const OWNER = {
  business: "Sunny Bakery",
  name: "Olivia Owner",
  email: "owner@sunny.example",
  password: "correct-horse-battery-staple",
};

export async function signIn(page: Page) {
  await page.goto("/login/");
  await page.getByLabel("Email").fill(OWNER.email);
  await page.getByLabel("Password").fill(OWNER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/conversations\/$/);
}

// Sign-in is rate-limited (10 a quarter of an hour per address), as it should be: every browser
// after the first shares one session, as a user's tabs and windows do. global-setup removes the
// file of an earlier run.
export const SESSION = "e2e/artifacts/owner-session.json";

/** A new browser context signed in as the owner (the story in dashboard.spec.ts creates it). */
export async function ownerPage(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}): Promise<Page> {
  const shared = existsSync(SESSION);
  const context = await browser.newContext({ ...options, storageState: shared ? SESSION : undefined });
  const page = await context.newPage();
  if (shared) {
    await page.goto("/conversations/");
    await expect(page.getByTestId("whoami")).toBeAttached();
  } else {
    await signIn(page);
    await context.storageState({ path: SESSION });
  }
  // The live feed is connected ("Connecting…" gone) before the test acts.
  await expect(page.getByTestId("feed-state")).toBeHidden();
  return page;
}

export async function llmRules(rules: unknown[]) {
  const r = await fetch(`${process.env.E2E_LLM_URL}/_fake/rules`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ rules }),
  });
  expect(r.ok).toBeTruthy();
}

/** Posts a Cloud API delivery to the webhook, signed with the app secret, as Meta does. */
export async function deliver(value: Record<string, unknown>) {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: process.env.E2E_PHONE_NUMBER_ID },
              ...value,
            },
          },
        ],
      },
    ],
  });
  const signature = createHmac("sha256", process.env.E2E_APP_SECRET ?? "").update(body).digest("hex");
  const base = `http://127.0.0.1:${process.env.E2E_PORT}`;
  const r = await fetch(`${base}/api/webhook/whatsapp`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": `sha256=${signature}` },
    body,
  });
  expect(r.status).toBe(200);
}

export function customerText(waId: string, name: string, text: string, id: string) {
  return {
    contacts: [{ profile: { name }, wa_id: waId }],
    messages: [{ from: waId, id, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }],
  };
}

export function status(wamid: string, waId: string, s: "sent" | "delivered" | "read") {
  return {
    statuses: [{ id: wamid, status: s, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: waId }],
  };
}

/** The messages the fake Graph API accepted: the text sent and to whom. */
export async function sentByGraph(): Promise<{ wamid: string; to: string; body: string }[]> {
  const r = await fetch(`${process.env.E2E_GRAPH_URL}/_fake/sent`);
  return (await r.json()) as { wamid: string; to: string; body: string }[];
}
