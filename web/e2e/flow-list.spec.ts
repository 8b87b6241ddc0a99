// The list of flows and a flow's versions, against the real server: the list says each flow's
// status and what starts it; a flow is duplicated, exported to a file and imported back (a name
// taken asks for another), and deleted after a confirmation; in the builder, the published
// version is looked at read-only and restored as the draft. Runs after dashboard.spec.ts.
import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { ownerPage } from "./helpers";

test.describe.configure({ mode: "serial" });

const node = (id: string, type: string, config: Record<string, unknown> = {}, x = 0) => ({ id, type, config, position: { x, y: 0 } });
const edge = (source: string, target: string) => ({ id: `${source}-${target}`, source, target, when: "default" });

const doc = (text: string) => ({
  nodes: [node("start", "trigger", { kind: "keyword", keywords: ["hours", "open"] }), node("say", "message", { message: { text } }, 320)],
  edges: [edge("start", "say")],
});

/** "Opening hours", published as v1, then its draft changed. */
async function publishedAndChanged(page: Page, origin: string): Promise<string> {
  const headers = { Origin: origin };
  const created = await page.request.post("/api/flows", { data: { name: "Opening hours", ...doc("We open at nine.") }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  expect((await page.request.post(`/api/flows/${id}/publish`, { headers })).status()).toBe(200);
  const changed = await page.request.put(`/api/flows/${id}`, { data: { document: doc("We open at ten now.") }, headers });
  expect(changed.status(), await changed.text()).toBe(200);
  return id;
}

const row = (page: Page, name: string) => page.getByTestId("flow-row").filter({ has: page.getByRole("link", { name, exact: true }) });

async function exportIt(page: Page): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export Opening hours", exact: true }).click()]);
  const path = await file.path();
  const body = JSON.parse(await readFile(path, "utf8")) as { format: string; name: string; nodes: unknown[] };
  expect(body.format).toBe("botflow.flow/1");
  expect(body.name).toBe("Opening hours");
  expect(body.nodes).toHaveLength(2);
  return JSON.stringify({ ...body, name: "Hours imported" });
}

async function importIt(page: Page, text: string) {
  await page.getByLabel("Import a flow").setInputFiles({ name: "hours.json", mimeType: "application/json", buffer: Buffer.from(text) });
}

test("the list of flows: status and trigger, duplicate, export, import, delete; a version viewed and restored", async ({ browser, baseURL }) => {
  const origin = new URL(baseURL ?? "").origin;
  const page = await ownerPage(browser);
  const id = await publishedAndChanged(page, origin);
  await page.goto("/flows/");
  const mine = row(page, "Opening hours");
  await expect(mine).toContainText("Published v1 · changed since");
  await expect(mine).toContainText("Keyword: hours, open");

  await page.getByRole("button", { name: "Duplicate Opening hours", exact: true }).click();
  await expect(row(page, "Opening hours (copy)")).toBeVisible();

  const file = await exportIt(page);
  await importIt(page, file);
  await expect(row(page, "Hours imported")).toContainText("Draft");
  // The same file again: the name is taken, so the page asks for another.
  page.once("dialog", (d) => void d.accept("Hours imported again"));
  await importIt(page, file);
  await expect(row(page, "Hours imported again")).toBeVisible();
  await importIt(page, "{not json");
  await expect(page.getByText("Could not import “hours.json”")).toBeVisible();

  page.once("dialog", (d) => void d.dismiss());
  await page.getByRole("button", { name: "Delete Opening hours (copy)", exact: true }).click();
  await expect(row(page, "Opening hours (copy)")).toBeVisible();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete Opening hours (copy)", exact: true }).click();
  await expect(row(page, "Opening hours (copy)")).toHaveCount(0);

  // Version 1, read-only on the canvas, then restored as the draft.
  await page.getByRole("link", { name: "Opening hours", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/flows/edit/\\?id=${id}`));
  const say = page.locator('[data-testid="step-node"][data-step="say"]');
  await expect(say).toContainText("We open at ten now.");
  await page.getByRole("button", { name: "Versions" }).click();
  await page.getByRole("button", { name: "View v1" }).click();
  await expect(page.getByTestId("viewing")).toContainText("version 1, read-only");
  await expect(say).toContainText("We open at nine.");
  await expect(page.getByTestId("palette")).toHaveCount(0);
  await page.getByRole("button", { name: "Restore as draft" }).click();
  await expect(page.getByTestId("viewing")).toHaveCount(0);
  await expect(page.getByTestId("builder-notice")).toContainText("Version 1 is the draft now");
  await expect(say).toContainText("We open at nine.");
  const draft = await page.request.get(`/api/flows/${id}`);
  expect(JSON.stringify(await draft.json())).toContain("We open at nine.");
  // Undo brings back the draft as it was before the restore, and saves it.
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(say).toContainText("We open at ten now.");
  await expect(page.getByTestId("save-state")).toHaveText("All changes saved");
});

test("a pre-built bot is copied into a flow of the owner's and publishes as it is", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.goto("/flows/");
  await page.getByRole("button", { name: "New from a pre-built bot" }).click();
  const bots = page.getByTestId("flow-template");
  await expect(bots).toHaveCount(4);
  await expect(page.locator('[data-testid="flow-template"][data-key="booking"]')).toContainText("Book an appointment");
  await page.getByRole("button", { name: "Use Book an appointment" }).click();
  await expect(page).toHaveURL(/\/flows\/edit\/\?id=/);
  await expect(page.locator('[data-testid="step-node"][data-step="time"]')).toBeVisible();
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByTestId("flow-status")).toHaveText("Published v1");
  await page.screenshot({ path: "e2e/artifacts/screenshots/builder-booking-light-desktop.png" });
  // Unpublished again, so that the other specs' customers who write "book" meet their own flows.
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Unpublish" }).click();
  await expect(page.getByTestId("flow-status")).not.toHaveText("Published v1");
});

test("what a flow saves shows beside the thread, in the customer panel", async ({ browser, baseURL }) => {
  const origin = new URL(baseURL ?? "").origin;
  const headers = { Origin: origin };
  const page = await ownerPage(browser);
  const flow = {
    name: "Favourite colour",
    nodes: [
      node("start", "trigger", { kind: "keyword", keywords: ["favourite colour"] }),
      node("keep", "save", { fields: [{ name: "Said", value: "{{message.text}}" }], tags: ["colour"] }, 320),
      node("done", "end", {}, 640),
    ],
    edges: [edge("start", "keep"), edge("keep", "done")],
  };
  const created = await page.request.post("/api/flows", { data: flow, headers });
  expect(created.status(), await created.text()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  expect((await page.request.post(`/api/flows/${id}/publish`, { headers })).status()).toBe(200);
  const phone = "+1555" + String(Math.floor(1000000 + Math.random() * 8999999));
  const wrote = await page.request.post("/api/simulator/messages", { data: { phone, name: "Cora", text: "My favourite colour is teal" }, headers });
  expect(wrote.status(), await wrote.text()).toBe(201);
  const conversation = ((await wrote.json()) as { conversation: { id: string } }).conversation.id;
  await page.goto(`/conversations/?id=${conversation}`);
  const fields = page.getByTestId("collected-fields");
  await expect(fields).toContainText("Collected by flows");
  await expect(fields.locator('[data-testid="collected-field"][data-name="Said"]')).toContainText("My favourite colour is teal");
  expect((await page.request.post(`/api/flows/${id}/unpublish`, { headers })).status()).toBe(200);
});

