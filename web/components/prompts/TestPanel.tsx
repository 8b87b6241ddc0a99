"use client";
// Try a template on a customer message: the passages the knowledge search finds for it, the
// prompt the model would get, and (owner, one real call) the model's answer or its exact error.
import { useState } from "react";
import { previewPrompt, type Preview, type PreviewRequest, type PromptTemplate } from "@/lib/api/prompts";
import type { AiTestResult } from "@/lib/api/settings";
import { useAction } from "@/lib/action";
import { Checkbox, Field, FormError, TextArea } from "@/components/Form";

function Answer({ result }: { result: AiTestResult }) {
  if (!result.ok) {
    return (
      <div role="alert" data-testid="preview-answer-error" className="space-y-1 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-300">
        <p className="font-medium">The model did not answer: {result.error}</p>
        <p className="text-xs">
          Model <code>{result.model}</code>
          {result.upstream_status != null && <> · HTTP {result.upstream_status}</>}
          {result.latency_ms != null && <> · {result.latency_ms} ms</>}
        </p>
        {result.detail && <p className="break-words font-mono text-xs">{result.detail}</p>}
      </div>
    );
  }
  const facts = [
    result.model,
    result.latency_ms != null ? `${result.latency_ms} ms` : null,
    result.prompt_tokens != null ? `${result.prompt_tokens} + ${result.completion_tokens ?? 0} tokens` : null,
    result.cost_usd != null ? `$${result.cost_usd.toFixed(6)}` : null,
  ].filter(Boolean);
  return (
    <div data-testid="preview-answer" className="space-y-1">
      <p className="whitespace-pre-wrap rounded-lg rounded-tl-none bg-brand-50 px-3 py-2 text-sm dark:bg-brand-700/20">{result.answer}</p>
      {result.handoff && (
        <p className="text-xs text-amber-700 dark:text-amber-300">The model asked to hand this conversation to a person.</p>
      )}
      <p className="text-xs text-zinc-500 dark:text-zinc-400">{facts.join(" · ")}</p>
    </div>
  );
}

export function TestPanel({ template, owner, draft }: { template: PromptTemplate; owner: boolean; draft: string | null }) {
  const [message, setMessage] = useState("");
  const [customer, setCustomer] = useState("");
  const [ask, setAsk] = useState(owner);
  const [result, setResult] = useState<Preview | null>(null);
  const { busy, error, fields, run } = useAction();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    await run(async () => {
      setResult(null);
      const body: PreviewRequest = { message, answer: owner && ask };
      if (customer.trim()) body.customer_name = customer.trim();
      // Unsaved text is tried as it stands in the editor; the server checks it as a save would.
      if (draft !== null) body.body = draft;
      setResult(await previewPrompt(template.id, body));
    });
  }

  return (
    <section aria-labelledby="test-title" className="card space-y-4 p-4" data-testid="test-panel">
      <div>
        <h2 id="test-title" className="font-semibold">
          Test this template
        </h2>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Write as a customer would. Nothing is sent to WhatsApp.
          {draft !== null && (
            <strong className="mt-1 block font-medium text-amber-700 dark:text-amber-300" data-testid="test-unsaved">
              The test uses the unsaved text in the editor.
            </strong>
          )}
        </p>
      </div>
      <form onSubmit={submit} className="space-y-3" aria-label="Test the template">
        <FormError message={error} />
        <TextArea
          label="Customer message"
          required
          maxLength={4096}
          value={message}
          placeholder="When are you open on Saturday?"
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
          }}
          error={fields.message}
        />
        <Field
          label="Customer name (optional)"
          maxLength={100}
          value={customer}
          onChange={(e) => setCustomer(e.target.value)}
          error={fields.customer_name}
        />
        <Checkbox
          label="Also ask the model for its answer"
          checked={owner && ask}
          disabled={!owner}
          onChange={(e) => setAsk(e.target.checked)}
          hint={
            owner
              ? "One real call on your API key, with the knowledge found for the message."
              : "Only the owner can ask the model (it is a call on the business's key); you can see the prompt."
          }
        />
        <button type="submit" className="btn-primary" disabled={busy || !message.trim()}>
          {busy ? "Testing…" : "Run test"}
        </button>
      </form>

      {result && (
        <div className="space-y-4" data-testid="preview-result" aria-live="polite">
          {result.answer && (
            <section aria-labelledby="answer-title" className="space-y-2">
              <h3 id="answer-title" className="text-sm font-semibold">
                The model&apos;s answer
              </h3>
              <Answer result={result.answer} />
            </section>
          )}
          <section aria-labelledby="passages-title" className="space-y-2" data-testid="preview-passages">
            <h3 id="passages-title" className="text-sm font-semibold">
              Passages found in your knowledge ({result.chunks.length})
            </h3>
            {result.chunks.length === 0 ? (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                No passage matches this message: the AI will say it does not know, or hand over.
              </p>
            ) : (
              <ol className="space-y-2">
                {result.chunks.map((c, i) => (
                  <li key={`${c.chunk_id}-${i}`} className="rounded-lg border border-zinc-200 p-2.5 text-sm dark:border-zinc-800" data-testid="preview-passage">
                    <p className="flex flex-wrap items-baseline gap-x-2 font-medium">
                      <span>
                        [{i + 1}] {c.document.title}
                        {c.heading && c.heading !== c.document.title && <span className="text-zinc-500 dark:text-zinc-400"> › {c.heading}</span>}
                      </span>
                      <span className="text-xs font-normal text-zinc-500 dark:text-zinc-400">score {c.score.toFixed(3)}</span>
                    </p>
                    <p className="mt-1 whitespace-pre-wrap text-zinc-600 dark:text-zinc-300">{c.content}</p>
                  </li>
                ))}
              </ol>
            )}
          </section>
          <section aria-labelledby="prompt-title" className="space-y-2">
            <h3 id="prompt-title" className="text-sm font-semibold">
              The prompt the model gets
            </h3>
            <pre
              tabIndex={0}
              aria-labelledby="prompt-title"
              data-testid="preview-prompt"
              className="max-h-96 overflow-auto whitespace-pre-wrap break-words rounded-lg bg-zinc-100 p-3 font-mono text-xs leading-relaxed dark:bg-zinc-950"
            >
              {result.prompt}
            </pre>
          </section>
        </div>
      )}
    </section>
  );
}
