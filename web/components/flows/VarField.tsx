"use client";
// A text of a step that may hold {{variables}}: a labelled input or text area with a "{ }"
// button that lists what the flow can name (BotFlow's own values and what its steps store),
// searchable and keyboard-operable, inserting the chosen one where the cursor is. When the text
// has a WhatsApp limit, the count shows beside the label as the owner types; the publishing
// check's message for the field shows under it.
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { FlowDocument } from "@/lib/api/flowDocs";
import { whatsappLength } from "@/lib/flowdoc/limits";
import { insertReference, variablesOf, type VariableInfo } from "@/lib/flowdoc/variables";
import { FieldError, Hint } from "./editors/shared";

export interface VarFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The flow, for the variables its steps store. */
  doc: FlowDocument;
  multiline?: boolean;
  /** WhatsApp's limit in characters: counted as it counts them, red past it. */
  limit?: number;
  /** The publishing check's message for this field. */
  error?: string;
  hint?: string;
  placeholder?: string;
  readOnly?: boolean;
  id?: string;
  /** Added to the control's look (a font, a height). */
  className?: string;
}

type Control = HTMLInputElement | HTMLTextAreaElement;

/** The variables whose name or description holds every word of the query. */
function matching(variables: VariableInfo[], query: string): VariableInfo[] {
  const words = query.toLowerCase().replace(/[{}]/g, " ").split(/\s+/).filter(Boolean);
  if (words.length === 0) return variables;
  return variables.filter((v) => {
    const text = `${v.name} ${v.about}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

function Counter({ id, count, limit }: { id: string; count: number; limit: number }) {
  const over = count > limit;
  return (
    <span
      id={id}
      className={`shrink-0 text-xs tabular-nums ${over ? "font-semibold text-red-700 dark:text-red-400" : "text-zinc-500 dark:text-zinc-400"}`}
      data-testid="char-count"
      data-over={over || undefined}
    >
      {count} / {limit}
    </span>
  );
}

function Option({ v, id, active, onPick, onHover }: { v: VariableInfo; id: string; active: boolean; onPick: () => void; onHover: () => void }) {
  return (
    <li
      id={id}
      role="option"
      aria-selected={active}
      // The search keeps the focus, so that typing and the arrow keys go on working.
      onMouseDown={(e) => e.preventDefault()}
      onClick={onPick}
      onMouseEnter={onHover}
      className={`cursor-pointer rounded-md px-2 py-1 ${active ? "bg-brand-50 dark:bg-brand-700/30" : ""}`}
    >
      <code className="block break-all text-xs font-semibold text-brand-700 dark:text-brand-100">{`{{${v.name}}}`}</code>
      <span className="block text-xs text-zinc-500 dark:text-zinc-400">{v.about}</span>
    </li>
  );
}

const optionIdOf = (listId: string, i: number) => `${listId}-option-${i}`;

/** The variables that match the search, and what it says when none does. */
function OptionList({ id, shown, current, onPick, onHover }: {
  id: string;
  shown: VariableInfo[];
  current: number;
  onPick: (name: string) => void;
  onHover: (i: number) => void;
}) {
  return (
    <>
      <ul id={id} role="listbox" aria-label="Variables" className="max-h-56 overflow-y-auto">
        {shown.map((v, i) => (
          <Option key={v.name} v={v} id={optionIdOf(id, i)} active={i === current} onPick={() => onPick(v.name)} onHover={() => onHover(i)} />
        ))}
      </ul>
      {shown.length === 0 && (
        <p className="px-1 text-xs text-zinc-500 dark:text-zinc-400">
          No variable matches. A step must store a value (a question&apos;s answer, a set variable, an API call&apos;s field)
          before others can name it.
        </p>
      )}
    </>
  );
}

/** The list behind the "{ }" button: a search over a listbox, driven from the search. */
function Picker({
  variables,
  onPick,
  onClose,
  onLeave,
  toggle,
}: {
  variables: VariableInfo[];
  onPick: (name: string) => void;
  /** Escape: closed, and the owner goes on typing in the field. */
  onClose: () => void;
  /** The focus went elsewhere: closed, and the focus stays where it went. */
  onLeave: () => void;
  toggle: React.RefObject<HTMLButtonElement | null>;
}) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const shown = useMemo(() => matching(variables, query), [variables, query]);
  const current = Math.min(active, Math.max(0, shown.length - 1));
  const optionId = (i: number) => optionIdOf(listId, i);

  useEffect(() => {
    document.getElementById(optionId(current))?.scrollIntoView?.({ block: "nearest" });
  });

  function onKeyDown(e: React.KeyboardEvent) {
    const moves: Record<string, number> = { ArrowDown: current + 1, ArrowUp: current - 1, Home: 0, End: shown.length - 1 };
    if (e.key in moves) {
      e.preventDefault();
      setActive(Math.max(0, Math.min(shown.length - 1, moves[e.key]!)));
    } else if (e.key === "Enter") {
      e.preventDefault();
      const v = shown[current];
      if (v) onPick(v.name);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  }

  return (
    <div
      className="card absolute right-0 left-0 z-30 mt-1 space-y-1 p-2 shadow-lg"
      data-testid="variable-picker"
      onBlur={(e) => {
        const to = e.relatedTarget as Node | null;
        if (!e.currentTarget.contains(to) && to !== toggle.current) onLeave();
      }}
    >
      <input
        autoFocus
        className="input py-1 text-xs"
        role="combobox"
        aria-label="Search the variables"
        aria-expanded
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={shown.length ? optionId(current) : undefined}
        placeholder="Search, then ↑ ↓ and Enter"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <OptionList id={listId} shown={shown} current={current} onPick={onPick} onHover={setActive} />
    </div>
  );
}

/** Puts the caret where an insertion asked, once the new text is on screen. */
function useCaret(control: React.RefObject<Control | null>, value: string) {
  const caret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = control.current;
    if (!el || caret.current === null) return;
    el.focus();
    el.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [control, value]);
  return caret;
}

/** The input or text area itself; `control` is kept pointing at it, for the cursor. */
function TextControl({ multiline, control, onChange, invalid, describedBy, className, ...own }: {
  id: string;
  value: string;
  placeholder?: string;
  readOnly?: boolean;
  invalid: boolean;
  describedBy: string;
  className?: string;
  multiline?: boolean;
  control: React.RefObject<Control | null>;
  onChange: (value: string) => void;
}) {
  const shared = {
    ...own,
    "aria-invalid": invalid ? true : undefined,
    "aria-describedby": describedBy || undefined,
    className: `input pr-11 ${className ?? ""}`,
  } as const;
  const ref = (el: Control | null) => {
    control.current = el;
  };
  return multiline ? (
    <textarea ref={ref} rows={3} {...shared} className={`${shared.className} min-h-20`} onChange={(e) => onChange(e.target.value)} />
  ) : (
    <input ref={ref} {...shared} onChange={(e) => onChange(e.target.value)} />
  );
}

function PickerToggle({ toggle, open, disabled, onClick }: {
  toggle: React.RefObject<HTMLButtonElement | null>;
  open: boolean;
  disabled?: boolean;
  onClick: () => void;
}) {
  return (
    <button
      ref={toggle}
      type="button"
      aria-label="Insert a variable"
      aria-haspopup="listbox"
      aria-expanded={open}
      disabled={disabled}
      title="Insert a variable"
      onClick={onClick}
      className="absolute top-1.5 right-1.5 rounded-md border border-zinc-200 bg-zinc-50 px-1.5 py-0.5 font-mono text-xs text-zinc-600 hover:border-brand-500 hover:text-brand-700 disabled:opacity-40 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-300 dark:hover:text-brand-100"
    >
      {"{ }"}
    </button>
  );
}

export function VarField({ label, value, onChange, doc, multiline, limit, error, hint, placeholder, readOnly, id, className }: VarFieldProps) {
  const own = useId();
  const fieldId = id ?? own;
  const control = useRef<Control | null>(null);
  const toggle = useRef<HTMLButtonElement | null>(null);
  const [open, setOpen] = useState(false);
  const caret = useCaret(control, value);
  const variables = useMemo(() => (open ? variablesOf(doc) : []), [open, doc]);

  const count = limit === undefined ? 0 : whatsappLength(value);
  const over = limit !== undefined && count > limit;
  const describedBy = [error && `${fieldId}-error`, limit !== undefined && `${fieldId}-count`, hint && `${fieldId}-hint`]
    .filter(Boolean)
    .join(" ");

  function pick(name: string) {
    const el = control.current;
    // A field keeps its selection when it loses the focus, so this is where the owner left it.
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    const next = insertReference(value, start, end, name);
    caret.current = next.cursor;
    setOpen(false);
    onChange(next.text);
  }

  function close() {
    setOpen(false);
    control.current?.focus();
  }

  return (
    <div className="space-y-1" data-testid="var-field">
      <div className="flex items-end justify-between gap-2">
        <label htmlFor={fieldId} className="block text-xs font-medium">
          {label}
        </label>
        {limit !== undefined && <Counter id={`${fieldId}-count`} count={count} limit={limit} />}
      </div>
      <div className="relative">
        <TextControl
          id={fieldId}
          value={value}
          placeholder={placeholder}
          readOnly={readOnly}
          invalid={!!error || over}
          describedBy={describedBy}
          className={className}
          multiline={multiline}
          control={control}
          onChange={onChange}
        />
        <PickerToggle toggle={toggle} open={open} disabled={readOnly} onClick={() => setOpen(!open)} />
        {open && <Picker variables={variables} onPick={pick} onClose={close} onLeave={() => setOpen(false)} toggle={toggle} />}
      </div>
      {hint && <Hint id={`${fieldId}-hint`}>{hint}</Hint>}
      <FieldError id={`${fieldId}-error`} message={error} />
    </div>
  );
}
