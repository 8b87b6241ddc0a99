"use client";
// The controls the step editors are made of, beyond the house's framed fields: a list of texts
// to add to and remove from, a number that may be left out, JSON typed by hand, and a value
// that may be text, a number, true or false, or any JSON.
import { useId, useState } from "react";
import { Field, Select, TextArea } from "@/components/Form";
import { str } from "@/lib/flowdoc/json";
import { VarField } from "../VarField";
import { FieldError, Hint, joined, removed, replaced, useEditor } from "./shared";

const small = "rounded-md px-2 py-1 text-xs font-medium disabled:cursor-not-allowed disabled:opacity-50";

export function AddButton({ children, onClick, disabled }: { children: string; onClick: () => void; disabled?: boolean }) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled}
      className={`${small} border border-dashed border-zinc-300 text-brand-700 hover:border-brand-500 hover:bg-brand-50 dark:border-zinc-700 dark:text-brand-100 dark:hover:bg-brand-700/20`}
    >
      <span aria-hidden>+ </span>
      {children}
    </button>
  );
}

export function RemoveButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      onClick={onClick}
      className={`${small} shrink-0 text-zinc-500 hover:bg-red-50 hover:text-red-700 dark:text-zinc-400 dark:hover:bg-red-950/50 dark:hover:text-red-300`}
    >
      <span aria-hidden>✕</span>
    </button>
  );
}

/** A card around one item of a list (a button, a rule), titled, with its remove button. */
export function ItemCard({ title, onRemove, removeLabel, children }: { title: string; onRemove?: () => void; removeLabel: string; children: React.ReactNode }) {
  return (
    <li className="space-y-2 rounded-lg border border-zinc-200 p-2 dark:border-zinc-800">
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs font-semibold text-zinc-600 dark:text-zinc-300">{title}</span>
        {onRemove && <RemoveButton label={removeLabel} onClick={onRemove} />}
      </div>
      {children}
    </li>
  );
}

/** A titled group of controls: its title names it for screen readers. */
export function Group({ title, hint, error, children, testId }: { title: string; hint?: string; error?: string; children: React.ReactNode; testId?: string }) {
  const id = useId();
  return (
    <div role="group" aria-labelledby={id} className="space-y-1.5" data-testid={testId}>
      <p id={id} className="text-xs font-medium">
        {title}
      </p>
      {hint && <Hint>{hint}</Hint>}
      {children}
      <FieldError message={error} />
    </div>
  );
}

/** What a field suggests as the owner types: a <datalist>, which the field names as its `list`. */
export function Suggestions({ id, values }: { id: string; values: string[] }) {
  return (
    <datalist id={id}>
      {values.map((v) => (
        <option key={v} value={v} />
      ))}
    </datalist>
  );
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * A list of texts (keywords, payloads, parameters). An empty list shows one empty entry to type
 * in, so a new step is ready to fill. Entries are "Keyword 1", "Keyword 2"…; a remove button is
 * named after what it removes, so that it never answers to an entry's own name.
 */
export function EntryList({
  title,
  noun,
  values,
  onChange,
  error,
  hint,
  placeholder,
  listId,
  variables,
  max,
  startEmpty,
}: {
  title: string;
  /** One entry, in lower case: "keyword". */
  noun: string;
  values: string[];
  onChange: (values: string[]) => void;
  error?: string;
  hint?: string;
  placeholder?: string;
  /** A <datalist> to suggest entries from. */
  listId?: string;
  /** The entries may hold {{variables}}: each gets the picker. */
  variables?: boolean;
  max?: number;
  /** No entry until one is added (a list that may well stay empty). */
  startEmpty?: boolean;
}) {
  const { doc } = useEditor();
  const shown = values.length || startEmpty ? values : [""];
  const set = (i: number, v: string) => onChange(values.length ? replaced(values, i, v) : [v]);
  return (
    <Group title={title} hint={hint} error={error}>
      <ul className="space-y-1.5">
        {shown.map((v, i) => (
          <li key={i} className="flex items-start gap-1">
            <div className="min-w-0 flex-1">
              {variables ? (
                <VarField label={`${capital(noun)} ${i + 1}`} value={v} onChange={(t) => set(i, t)} doc={doc} placeholder={placeholder} />
              ) : (
                <input
                  className="input"
                  aria-label={`${capital(noun)} ${i + 1}`}
                  value={v}
                  list={listId}
                  placeholder={placeholder}
                  aria-invalid={error ? true : undefined}
                  onChange={(e) => set(i, e.target.value)}
                />
              )}
            </div>
            {values.length > 0 && (
              <RemoveButton label={v ? `Remove ${noun} “${v}”` : `Remove empty ${noun}`} onClick={() => onChange(removed(values, i))} />
            )}
          </li>
        ))}
      </ul>
      <AddButton onClick={() => onChange([...shown, ""])} disabled={max !== undefined && shown.length >= max}>
        {`Add a ${noun}`}
      </AddButton>
    </Group>
  );
}

/** What a control of one value takes: its label, the value and its change, the publishing
 * check's message for it, a hint and an example. */
interface ValueProps<T> {
  label: string;
  value: T;
  onChange: (value: T) => void;
  error?: string;
  hint?: string;
  placeholder?: string;
}

/** A number the config may leave out: empty removes it, and the default shows in its place. */
export function NumberField({
  label,
  value,
  onChange,
  error,
  hint,
  placeholder,
  min,
  max,
  step,
}: ValueProps<number | undefined> & { min?: number; max?: number; step?: number | "any" }) {
  return (
    <Field
      compact
      type="number"
      label={label}
      value={value ?? ""}
      min={min}
      max={max}
      step={step}
      placeholder={placeholder}
      error={error}
      hint={hint}
      onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
    />
  );
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const keyOf = (v: unknown): string => JSON.stringify(v) ?? "undefined";

/**
 * What the owner types for a value that only some of it is (a text for JSON or a number, rows
 * for headers that may not have a name yet): it stays as typed, and the value changes only
 * when it reads as one. A change made elsewhere (an undo, a restored version) replaces it.
 */
export function useTyped<T, D = string>(value: T, format: (v: T) => D, parse: (typed: D) => Parsed<T>, onChange: (v: T) => void) {
  const [typed, setTyped] = useState(() => format(value));
  const [seen, setSeen] = useState(() => keyOf(value));
  const [error, setError] = useState<string | null>(null);
  if (keyOf(value) !== seen) {
    setSeen(keyOf(value));
    setTyped(format(value));
    setError(null);
  }
  function edit(next: D) {
    setTyped(next);
    const r = parse(next);
    if (!r.ok) return setError(r.error);
    setError(null);
    setSeen(keyOf(r.value));
    onChange(r.value);
  }
  return { typed, error, edit };
}

const showJson = (v: unknown) => (v === undefined ? "" : JSON.stringify(v, null, 2));

function parseJson(text: string): Parsed<unknown> {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, error: `Not JSON yet: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** JSON typed by hand; empty is `undefined` (the key is left out). */
export function JsonField({ label, value, onChange, error, hint, placeholder }: ValueProps<unknown>) {
  const draft = useTyped(value, showJson, parseJson, onChange);
  return (
    <TextArea
      compact
      label={label}
      className="min-h-28 font-mono text-xs"
      spellCheck={false}
      value={draft.typed}
      placeholder={placeholder}
      hint={hint}
      error={joined(draft.error, error)}
      onChange={(e) => draft.edit(e.target.value)}
    />
  );
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(text: string): Parsed<number> {
  const t = text.trim().replace(",", ".");
  return NUMBER.test(t) ? { ok: true, value: Number(t) } : { ok: false, error: "Enter a number, like 3 or 2.5" };
}

/** A number that must be there (a rule's value): the text stays as typed until it is one. */
export function RequiredNumber({ label, value, onChange, error }: Omit<ValueProps<number>, "hint" | "placeholder">) {
  const draft = useTyped(value, String, parseNumber, onChange);
  return (
    <Field
      compact
      inputMode="decimal"
      label={label}
      value={draft.typed}
      error={joined(draft.error, error)}
      onChange={(e) => draft.edit(e.target.value)}
    />
  );
}

export type ValueKind = "text" | "number" | "boolean" | "json";

export const KIND_NAMES: Record<ValueKind, string> = {
  text: "Text",
  number: "A number",
  boolean: "True or false",
  json: "A list or an object (JSON)",
};

export function kindOf(v: unknown): ValueKind {
  if (typeof v === "string" || v === undefined) return "text";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "boolean";
  return "json";
}

/** The value as the kind chosen, keeping what it said where it can. */
export function convert(v: unknown, kind: ValueKind): unknown {
  const asText = typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v);
  if (kind === "text") return asText;
  if (kind === "number") {
    const n = parseNumber(asText);
    return n.ok ? n.value : 0;
  }
  if (kind === "boolean") return asText.trim().toLowerCase() === "true";
  const j = parseJson(asText);
  return j.ok && j.value !== null && typeof j.value === "object" ? j.value : [];
}

/** One value of the kind it has: text (with variables), a number, true or false, or JSON. */
export function ValueInput({ label, value, onChange, error }: Omit<ValueProps<unknown>, "hint" | "placeholder">) {
  const { doc } = useEditor();
  switch (kindOf(value)) {
    case "text":
      return <VarField label={label} value={str(value)} onChange={onChange} doc={doc} error={error} />;
    case "number":
      return <RequiredNumber label={label} value={value as number} onChange={onChange} error={error} />;
    case "boolean":
      return (
        <Select compact label={label} value={String(value)} onChange={(e) => onChange(e.target.value === "true")} error={error}>
          <option value="true">true</option>
          <option value="false">false</option>
        </Select>
      );
    case "json":
      return <JsonField label={label} value={value} onChange={(v) => onChange(v === undefined ? null : v)} error={error} />;
  }
}
