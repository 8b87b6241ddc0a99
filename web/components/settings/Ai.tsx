"use client";
// The AI's settings (owner only): model and fallbacks, sampling, debounce, grounding, the
// messages it sends, the phrases that hand a conversation to a person, the LLM key, and a test.
import { useCallback, useEffect, useState } from "react";
import { errorText } from "@/lib/api/client";
import { getAiSettings, saveAiSettings, testAi, type AiSettings, type AiTestResult, type ApiKeyState } from "@/lib/api/settings";
import { useAction } from "@/lib/action";
import { Checkbox, Field, FormError, Saved, TextArea } from "@/components/Form";
import { Section } from "./Section";

interface Form {
  model: string;
  fallback: string;
  temperature: string;
  maxTokens: string;
  debounce: string;
  phrases: string;
  handoff: string;
  away: string;
  fallbackMessage: string;
  strict: boolean;
}

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

function toForm(s: AiSettings): Form {
  return {
    model: s.model,
    fallback: s.fallback_models.join("\n"),
    temperature: String(s.temperature),
    maxTokens: String(s.max_tokens),
    debounce: String(s.debounce_ms),
    phrases: s.handoff_phrases.join("\n"),
    handoff: s.handoff_message,
    away: s.away_message,
    fallbackMessage: s.fallback_message,
    strict: s.strict_grounding,
  };
}

/** A number as typed, or the text itself so that the server's validation explains it. */
function num(s: string): number | string {
  const t = s.trim();
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

function ApiKey({ state, onChange }: { state: ApiKeyState; onChange: (s: AiSettings) => void }) {
  const [key, setKey] = useState("");
  const [savedAt, setSavedAt] = useState(0);
  const { busy, error, fields, run } = useAction();
  const save = async (value: string | null) => {
    let out: AiSettings | null = null;
    const ok = await run(async () => {
      out = await saveAiSettings({ api_key: value });
    });
    if (ok && out) {
      setKey("");
      setSavedAt(Date.now());
      onChange(out);
    }
  };
  const where =
    state.source === "settings"
      ? "A key is set (saved here, encrypted)."
      : state.source === "environment"
        ? "A key is set in the server's environment (LLM_API_KEY). A key saved here takes its place."
        : "No key is set: without one the AI can only quote your knowledge.";
  return (
    <form
      aria-label="LLM API key"
      className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
      onSubmit={(e) => {
        e.preventDefault();
        if (key) void save(key);
      }}
    >
      <h3 className="font-medium">API key</h3>
      <p className="text-sm text-zinc-600 dark:text-zinc-300" data-testid="api-key-state" data-set={state.set}>
        {where} The key is never shown again once saved.
      </p>
      {state.unreadable && <FormError message={state.hint ?? "The saved key cannot be read: save it again."} />}
      <FormError message={error} />
      <div className="flex flex-wrap items-end gap-2">
        <div className="min-w-48 flex-1">
          <Field
            label={state.source === "settings" ? "Replace the API key" : "API key"}
            type="password"
            autoComplete="off"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            error={fields.api_key}
          />
        </div>
        <button type="submit" className="btn-primary" disabled={busy || !key}>
          {state.source === "settings" ? "Replace key" : "Save key"}
        </button>
        {state.source === "settings" && (
          <button type="button" className="btn-secondary" disabled={busy} onClick={() => void save(null)}>
            Remove key
          </button>
        )}
        <Saved at={savedAt} />
      </div>
    </form>
  );
}

function TestModel({ model }: { model: string }) {
  const [message, setMessage] = useState("");
  const [result, setResult] = useState<AiTestResult | null>(null);
  const { busy, error, run } = useAction();
  return (
    <div className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800" data-testid="ai-test">
      <h3 className="font-medium">Test the model</h3>
      <p className="text-sm text-zinc-600 dark:text-zinc-300">
        One real call to <code>{model || "the model"}</code> with the key in effect; it may cost a fraction of a cent.
      </p>
      <Field
        label="Test message (optional)"
        maxLength={2000}
        placeholder="Please introduce yourself in one short sentence."
        value={message}
        onChange={(e) => setMessage(e.target.value)}
      />
      <button
        type="button"
        className="btn-secondary"
        disabled={busy}
        onClick={async () => {
          setResult(null);
          const body: { message?: string; model?: string } = {};
          if (message.trim()) body.message = message.trim();
          if (model.trim()) body.model = model.trim();
          await run(async () => setResult(await testAi(body)));
        }}
      >
        {busy ? "Testing…" : "Test the model"}
      </button>
      <FormError message={error} />
      {result?.ok && (
        <div role="status" data-testid="ai-test-result" data-ok="true" className="space-y-1 rounded-lg bg-brand-50 p-3 text-sm dark:bg-brand-700/20">
          <p className="font-medium text-brand-700 dark:text-brand-100">
            {result.model} answered in {result.latency_ms} ms
            {result.first_token_ms !== undefined ? ` (first token after ${result.first_token_ms} ms)` : ""}.
          </p>
          <p className="whitespace-pre-wrap" data-testid="ai-test-answer">
            {result.answer}
          </p>
          <p className="text-xs text-zinc-600 dark:text-zinc-400">
            {result.prompt_tokens} prompt + {result.completion_tokens} answer tokens
            {typeof result.cost_usd === "number" ? `, $${result.cost_usd.toFixed(6)}` : ""}
            {result.handoff ? ". The model asked to hand over to a person." : "."}
          </p>
        </div>
      )}
      {result && !result.ok && (
        <div role="alert" data-testid="ai-test-result" data-ok="false" className="space-y-1 rounded-lg bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-300">
          <p className="font-medium">
            The model could not be reached{result.latency_ms !== undefined ? ` (after ${result.latency_ms} ms)` : ""}:{" "}
            {result.error}
          </p>
          {result.upstream_status ? <p>The LLM service answered HTTP {result.upstream_status}.</p> : null}
          {result.detail && <p className="break-words font-mono text-xs">{result.detail}</p>}
        </div>
      )}
    </div>
  );
}

export function AiSection() {
  const [settings, setSettings] = useState<AiSettings | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState(0);
  const { busy, error, fields, run } = useAction();

  const apply = useCallback((s: AiSettings) => {
    setSettings(s);
    setForm(toForm(s));
  }, []);
  useEffect(() => {
    getAiSettings()
      .then(apply)
      .catch((e: unknown) => setLoadError(errorText(e)));
  }, [apply]);

  const set = (patch: Partial<Form>) => setForm((f) => (f ? { ...f, ...patch } : f));

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!form) return;
    const body = {
      model: form.model.trim(),
      fallback_models: lines(form.fallback),
      temperature: num(form.temperature),
      max_tokens: num(form.maxTokens),
      debounce_ms: num(form.debounce),
      handoff_phrases: lines(form.phrases),
      handoff_message: form.handoff,
      away_message: form.away,
      fallback_message: form.fallbackMessage,
      strict_grounding: form.strict,
    };
    let out: AiSettings | null = null;
    const ok = await run(async () => {
      out = await saveAiSettings(body);
    });
    if (ok && out) {
      apply(out);
      setSavedAt(Date.now());
    }
  }

  return (
    <Section
      id="ai"
      title="AI"
      ownerOnly
      description={
        settings ? (
          <>
            How the assistant answers. Calls go to <code className="break-all">{settings.base_url}</code>.
          </>
        ) : (
          "How the assistant answers."
        )
      }
    >
      <FormError message={loadError} />
      {settings && form && (
        <div className="card space-y-6 p-4 sm:p-6">
          <form onSubmit={submit} className="space-y-4" aria-label="AI settings" noValidate>
            <FormError message={error} />
            <div className="grid gap-4 sm:grid-cols-2">
              <Field
                label="Model"
                required
                maxLength={200}
                value={form.model}
                onChange={(e) => set({ model: e.target.value })}
                hint="A model id of your LLM service, e.g. openai/gpt-4o-mini."
                error={fields.model}
              />
              <TextArea
                label="Fallback models"
                rows={3}
                value={form.fallback}
                onChange={(e) => set({ fallback: e.target.value })}
                hint="Up to 3, one per line, tried in order when the model fails."
                error={fields.fallback_models}
              />
              <Field
                label="Temperature"
                type="number"
                inputMode="decimal"
                min={0}
                max={2}
                step={0.1}
                value={form.temperature}
                onChange={(e) => set({ temperature: e.target.value })}
                hint="0 to 2: lower is more predictable."
                error={fields.temperature}
              />
              <Field
                label="Max tokens"
                type="number"
                inputMode="numeric"
                min={16}
                max={4000}
                step={1}
                value={form.maxTokens}
                onChange={(e) => set({ maxTokens: e.target.value })}
                hint="The longest answer, 16 to 4000 tokens."
                error={fields.max_tokens}
              />
              <Field
                label="Debounce (ms)"
                type="number"
                inputMode="numeric"
                min={0}
                max={60000}
                step={100}
                value={form.debounce}
                onChange={(e) => set({ debounce: e.target.value })}
                hint="Messages this close together get one answer (0 to 60000)."
                error={fields.debounce_ms}
              />
            </div>
            <Checkbox
              label="Strict grounding"
              checked={form.strict}
              onChange={(e) => set({ strict: e.target.checked })}
              hint="Answer only from your knowledge; hand the conversation to a person instead of guessing."
              error={fields.strict_grounding}
            />
            <div className="grid gap-4 lg:grid-cols-3">
              <TextArea
                label="Handoff message"
                rows={4}
                maxLength={1000}
                value={form.handoff}
                onChange={(e) => set({ handoff: e.target.value })}
                hint="Sent when a conversation goes to a person."
                error={fields.handoff_message}
              />
              <TextArea
                label="Away message"
                rows={4}
                maxLength={1000}
                value={form.away}
                onChange={(e) => set({ away: e.target.value })}
                hint="Sent once per closed period (business hours)."
                error={fields.away_message}
              />
              <TextArea
                label="Fallback message"
                rows={4}
                maxLength={1000}
                value={form.fallbackMessage}
                onChange={(e) => set({ fallbackMessage: e.target.value })}
                hint="Sent when neither a model nor your knowledge can answer; a person takes over."
                error={fields.fallback_message}
              />
            </div>
            <div className="space-y-1">
              <TextArea
                label="Handoff phrases"
                rows={6}
                value={form.phrases}
                onChange={(e) => set({ phrases: e.target.value })}
                hint={`One per line (up to 200). A customer message containing one, ignoring case and accents, goes to a person. ${lines(form.phrases).length} phrases.`}
                error={fields.handoff_phrases}
              />
              <button
                type="button"
                className="text-xs font-medium text-brand-700 underline-offset-2 hover:underline dark:text-brand-100"
                onClick={() => set({ phrases: settings.default_handoff_phrases.join("\n") })}
              >
                Restore the default phrases
              </button>
            </div>
            <div className="flex items-center gap-3">
              <button type="submit" className="btn-primary" disabled={busy}>
                {busy ? "Saving…" : "Save AI settings"}
              </button>
              <Saved at={savedAt} />
            </div>
          </form>
          <ApiKey state={settings.api_key} onChange={(s) => setSettings(s)} />
          <TestModel model={form.model} />
        </div>
      )}
    </Section>
  );
}
