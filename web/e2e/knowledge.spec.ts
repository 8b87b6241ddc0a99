// The knowledge page: upload with progress, the library, the extracted text, search, snippets.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ownerPage } from "./helpers";

const manual = path.resolve(__dirname, "../../bench/retrieval/docs/product-manual.pdf");

test("upload a PDF with progress, read its text, and find it the way the AI would", async ({ browser }) => {
  const page = await ownerPage(browser);
  await page.getByRole("link", { name: "Knowledge" }).click();
  await expect(page.getByRole("heading", { name: "Knowledge", exact: true })).toBeVisible();

  await page.getByLabel("Files to upload").setInputFiles([
    { name: "product-manual.pdf", mimeType: "application/pdf", buffer: readFileSync(manual) },
    // Not a PDF inside: refused or marked unreadable, with a reason, never served as knowledge.
    { name: "scan.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\nthis is not really a pdf\n%%EOF") },
  ]);
  const upload = page.getByTestId("upload").filter({ hasText: "product-manual.pdf" });
  await expect(upload.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
  await expect(upload).toContainText("Uploaded");

  // Extraction runs in the background; the library follows it live.
  const row = page.getByTestId("library-row").filter({ hasText: "product-manual" });
  await expect(row.getByTestId("doc-status")).toHaveText("Ready", { timeout: 30_000 });
  const broken = page.getByTestId("library-row").filter({ hasText: "scan" });
  const brokenUpload = page.getByTestId("upload").filter({ hasText: "scan.pdf" });
  await expect(brokenUpload.getByRole("alert").or(broken.getByTestId("doc-status"))).toBeVisible({ timeout: 30_000 });
  if (await broken.count()) {
    await expect(broken.getByTestId("doc-status")).toHaveText("Could not be read", { timeout: 30_000 });
    await expect(broken).toContainText(/./);
  }

  await row.click();
  await expect(page.getByTestId("doc-title")).toHaveText("product-manual");
  await expect(page.getByTestId("doc-text")).toContainText("Brewmaster X200");
  await page.getByRole("button", { name: "Close" }).click();

  // A misspelt customer question still finds the manual's passage.
  await page.getByLabel("Customer question").fill("how do i descale the machin");
  await page.getByRole("button", { name: "Search" }).click();
  const results = page.getByTestId("search-results");
  await expect(results).toBeVisible();
  await expect(results.locator("li").first()).toContainText("product-manual");
  await expect(results.locator("li").first()).toContainText(/descal/i);

  // A question nothing answers says so.
  await page.getByLabel("Customer question").fill("xylophone zebra");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Nothing in the knowledge matches" })).toBeVisible();

  // A snippet answers a question the documents did not.
  await page.getByLabel("Customer question").fill("do you sell gift vouchers");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results).toBeVisible();
  await expect(results.getByText("Gift vouchers")).toHaveCount(0);
  await page.getByLabel("Title", { exact: true }).fill("Gift vouchers");
  await page.getByLabel("What the AI should know").fill("We sell gift vouchers from 10 to 100 euros in the shop and online.");
  await page.getByRole("button", { name: "Add to knowledge" }).click();
  await expect(page.getByTestId("library-row").filter({ hasText: "Gift vouchers" })).toBeVisible();
  await page.getByRole("button", { name: "Search" }).click();
  await expect(results.locator("li").first()).toContainText("Gift vouchers");

  // Deleting takes it out of the AI's reach at once.
  await page.getByTestId("library-row").filter({ hasText: "Gift vouchers" }).click();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByTestId("library-row").filter({ hasText: "Gift vouchers" })).toHaveCount(0);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("search-results").getByText("Gift vouchers")).toHaveCount(0);

  for (const scheme of ["light", "dark"] as const) {
    for (const [size, viewport] of [
      ["desktop", { width: 1280, height: 800 }],
      ["phone", { width: 390, height: 844 }],
    ] as const) {
      const shotPage = await ownerPage(browser, { colorScheme: scheme, viewport });
      await shotPage.goto("/knowledge/");
      await expect(shotPage.getByTestId("library-row").first()).toBeVisible();
      await shotPage.screenshot({ path: `e2e/artifacts/screenshots/knowledge-${scheme}-${size}.png` });
      await shotPage.context().close();
    }
  }
  await page.context().close();
});
