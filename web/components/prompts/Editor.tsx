"use client";
// The owner's own template: name, category, description and the text, with the variables the
// server fills in beside it (a click inserts one at the cursor). The server validates; its
// per-field messages show under the field they are about.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import { deletePrompt, listVariables, updatePrompt, type PromptTemplate, type Variable } from "@/lib/api/prompts";
import { useAction } from "@/lib/action";
import { usedVariables } from "@/lib/prompts";
import { Field, FormError, TextArea } from "@/components/Form";

// The server's own list, so the editor offers exactly what a save accepts. Fetched once per
// page load, not for each template opened.
let loadedVariables: Variable[] | null = null;

function VariablePicker({ used, onInsert }: { used: string[]; onInsert: (token: string) => void }) {
  const [variables, setVariables] = useState<Variable[]>(loadedVariables ?? []);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (loadedVariables) return;
    let live = true;
    listVariables().then(
      (items) => {
        loadedVariables = items;
        if (live) setVariables(items);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, []);
  return (
    <section aria-labelledby="variables-title" className="space-y-2" data-testid="variables">
      <div>
        <h3 id="variables-title" className="text-sm font-medium">
          Variables
        </h3>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          Filled in for every answer. Click one to insert it at the cursor.
        </p>
      </div>
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          The variables could not be loaded: {error}
        </p>
      )}
      <ul className="grid grid-cols-1 gap-1.5 sm:grid-cols-2 xl:grid-cols-1">
        {variables.map((v) => {
          const token = `{{${v.name}}}`;
          const inUse = used.includes(v.name);
          return (
            <li key={v.name}>
              <button
                type="button"
                onClick={() => onInsert(token)}
                aria-label={`Insert ${token}: ${v.meaning}`}
                data-testid="variable"
                className="w-full rounded-lg border border-zinc-200 px-2.5 py-1.5 text-left hover:border-brand-500 hover:bg-brand-50 dark:border-zinc-700 dark:hover:bg-brand-700/20"
              >
                <span className="flex items-center gap-1.5">
                  <code className="break-all text-xs font-semibold text-brand-700 dark:text-brand-100">{token}</code>
                  {inUse && (
                    <span className="text-xs text-zinc-500 dark:text-zinc-400" title="Used in the text">
                      <span aria-hidden>✓</span>
                      <span className="sr-only">(used)</span>
                    </span>
                  )}
                </span>
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">{v.meaning}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function Editor({
  template,
  onSaved,
  onDeleted,
  onDirty,
  onDraft,
}: {
  template: PromptTemplate;
  onSaved: (t: PromptTemplate) => void;
  onDeleted: () => void;
  onDirty: (dirty: boolean) => void;
  /** The text in the editor when it differs from the saved one (null when it does not). */
  onDraft: (body: string | null) => void;
}) {
  const [name, setName] = useState(template.name);
  const [category, setCategory] = useState(template.category);
  const [description, setDescription] = useState(template.description);
  const [body, setBody] = useState(template.body);
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const save = useAction();
  const remove = useAction();
  const textarea = useRef<HTMLTextAreaElement>(null);
  // Where the caret goes once an inserted variable is rendered.
  const caret = useRef<number | null>(null);

  const dirty =
    name !== template.name ||
    category !== template.category ||
    description !== template.description ||
    body !== template.body;
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  useEffect(() => () => onDirty(false), [onDirty]);
  const draft = body !== template.body ? body : null;
  useEffect(() => onDraft(draft), [draft, onDraft]);
  useEffect(() => () => onDraft(null), [onDraft]);

  useLayoutEffect(() => {
    const el = textarea.current;
    if (el && caret.current !== null) {
      el.focus();
      el.setSelectionRange(caret.current, caret.current);
      caret.current = null;
    }
  }, [body]);

  function insert(token: string) {
    const el = textarea.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    caret.current = start + token.length;
    setBody(body.slice(0, start) + token + body.slice(end));
    setSaved(false);
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSaved(false);
    await save.run(async () => {
      const t = await updatePrompt(template.id, { name, category, description, body });
      onSaved(t);
      setName(t.name);
      setCategory(t.category);
      setDescription(t.description);
      setBody(t.body);
      setSaved(true);
    });
  }

  const bodyError = save.fields.body;
  // The server names one field at a time; its detail says it as a sentence (for an unknown
  // variable, with the list of known ones), so that goes under the field.
  const fieldNames = ["name", "category", "description", "body"];
  const onField = fieldNames.some((f) => save.fields[f]);
  const fieldText = (message: string) => save.error ?? message;
  const used = usedVariables(body);

  return (
    <div className="space-y-4">
      <form onSubmit={submit} className="space-y-4" aria-label="Edit template" data-testid="editor" noValidate>
        <FormError message={onField ? null : save.error} />
        <div className="grid gap-3 sm:grid-cols-2">
          <Field
            label="Name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(false);
            }}
            error={save.fields.name && fieldText(save.fields.name)}
          />
          <Field
            label="Industry"
            maxLength={50}
            value={category}
            onChange={(e) => {
              setCategory(e.target.value);
              setSaved(false);
            }}
            hint="Shown in the gallery, e.g. bakery."
            error={save.fields.category && fieldText(save.fields.category)}
          />
        </div>
        <TextArea
          label="Description"
          className="min-h-16"
          maxLength={500}
          value={description}
          onChange={(e) => {
            setDescription(e.target.value);
            setSaved(false);
          }}
          error={save.fields.description && fieldText(save.fields.description)}
        />
        <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_15rem]">
          <div className="min-w-0">
            <TextArea
              label="Template text"
              hint="The instructions the AI gets before each answer. The rules every answer obeys are added after it."
              hintAbove
              ref={textarea}
              className="min-h-72 font-mono text-xs leading-relaxed xl:min-h-96"
              required
              maxLength={20000}
              spellCheck={false}
              value={body}
              onChange={(e) => {
                setBody(e.target.value);
                setSaved(false);
              }}
              error={bodyError && fieldText(bodyError)}
              announceError
              errorTestId="body-error"
            />
          </div>
          <VariablePicker used={used} onInsert={insert} />
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" className="btn-primary" disabled={save.busy || !dirty}>
            {save.busy ? "Saving…" : "Save"}
          </button>
          <span role="status" className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="save-state">
            {saved && !dirty ? "Saved." : dirty ? "Unsaved changes." : ""}
          </span>
        </div>
      </form>
      <div className="space-y-2 border-t border-zinc-200 pt-4 dark:border-zinc-800" data-testid="delete-area">
        <FormError message={remove.error} />
        {template.active ? (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <button type="button" className="btn-secondary mr-2" disabled aria-describedby="delete-why">
              Delete template
            </button>
            <span id="delete-why">The active template cannot be deleted: activate another one first.</span>
          </p>
        ) : confirming ? (
          <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Confirm deletion">
            <span className="text-sm">Delete “{template.name}”? This cannot be undone.</span>
            <button
              type="button"
              className="btn bg-red-600 text-white hover:bg-red-700"
              disabled={remove.busy}
              onClick={async () => {
                if (await remove.run(() => deletePrompt(template.id))) onDeleted();
              }}
            >
              Yes, delete
            </button>
            <button type="button" className="btn-secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        ) : (
          <button type="button" className="btn-secondary" onClick={() => setConfirming(true)}>
            Delete template
          </button>
        )}
      </div>
    </div>
  );
}
