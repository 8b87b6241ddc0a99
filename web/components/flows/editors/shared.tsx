"use client";
// What every step editor shares: the step being edited, whether it may be changed, the
// publishing check's problems placed at the field they name, and the small helpers that tie a
// control to a key of the config and write it back without losing the others (lib/flowdoc/json
// reads it loosely).
import { createContext, use } from "react";
import type { Config, FlowDocument, FlowNode, Problem } from "@/lib/api/flowDocs";
import { arr, num, str, type Fields } from "@/lib/flowdoc/json";

export interface EditorEnv {
  doc: FlowDocument;
  node: FlowNode;
  readOnly: boolean;
  /** The publishing check's messages for one field ("config.keywords"), as one text. */
  problemAt: (path: string) => string | undefined;
}

export const EditorContext = createContext<EditorEnv | null>(null);

/** What the editor of a step's type takes: the step's config, and its change. */
export interface EditorProps {
  config: Config;
  onChange: (config: Config) => void;
}

export function useEditor(): EditorEnv {
  const env = use(EditorContext);
  if (!env) throw new Error("A step editor is used outside StepEditor.");
  return env;
}

/** Every field an editor may change, as the engine names it: `[]` stands for a position in a
 * list (`config.message.buttons[].title`), `*` for a name chosen by the owner, to the end
 * (`config.headers.*`: a header's name may hold anything, dots included). */
export type FieldPatterns = string[];

function matcher(pattern: string): RegExp {
  const source = pattern
    .split(/(\[\]|\*)/)
    .map((part) => (part === "[]" ? "\\[\\d+\\]" : part === "*" ? "[^\\[\\]]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  // A field matches its own path and anything under it (`config.keywords` takes `config.keywords[2]`).
  return new RegExp(`^${source}(?=$|[.[])`);
}

export interface PlacedProblems {
  /** The messages by the field that shows them. */
  at: Map<string, string[]>;
  /** The step's problems no field shows: the step as a whole, its arrows, a field not on screen. */
  loose: Problem[];
}

/** Each problem goes to the most precise field that names it; the others go to the top. */
export function placeProblems(problems: Problem[], patterns: FieldPatterns): PlacedProblems {
  const matchers = patterns.map(matcher);
  const at = new Map<string, string[]>();
  const loose: Problem[] = [];
  for (const p of problems) {
    let best = "";
    for (const m of matchers) {
      const found = m.exec(p.field)?.[0] ?? "";
      if (found.length > best.length) best = found;
    }
    if (!p.field || !best) {
      loose.push(p);
      continue;
    }
    // Shown above the fields it is under (a field not on screen): it says which one it is about.
    const under = p.field.slice(best.length).replace(/^\./, "");
    at.set(best, [...(at.get(best) ?? []), under ? `${under}: ${p.message}` : p.message]);
  }
  return { at, loose };
}

/** The controls of an editor: all of them disabled at once when the step is read only. */
export function Controls({ children }: { children: React.ReactNode }) {
  const { readOnly } = useEditor();
  return (
    <fieldset
      disabled={readOnly}
      className="min-w-0 space-y-3 [&_:is(input,textarea,select):disabled]:bg-zinc-100 dark:[&_:is(input,textarea,select):disabled]:bg-zinc-800/60"
    >
      {children}
    </fieldset>
  );
}

/** A message under a field that the house's framed fields do not show: a text with variables,
 * a list of rows. `id`: the field names it as its description. */
export function FieldError({ message, id }: { message?: string; id?: string }) {
  if (!message) return null;
  return (
    <p id={id} className="text-xs text-red-700 dark:text-red-400" data-testid="field-error">
      {message}
    </p>
  );
}

export function Hint({ children, id }: { children: React.ReactNode; id?: string }) {
  return (
    <p id={id} className="text-xs text-zinc-500 dark:text-zinc-400">
      {children}
    </p>
  );
}

/** Several messages for one field as one, or nothing when there is none. */
export function joined(...messages: (string | null | undefined)[]): string | undefined {
  return messages.filter(Boolean).join(" ") || undefined;
}

/** The config with one key set; the other keys as they were. */
export function put<T extends Fields>(config: T, key: string, value: unknown): T {
  return { ...config, [key]: value };
}

/** The config with one key set, or removed when it is empty: the engine then takes its default. */
export function putOptional<T extends Fields>(config: T, key: string, value: unknown): T {
  if (value === undefined || value === "" || value === null) return without(config, key);
  return put(config, key, value);
}

export function without<T extends Fields>(config: T, ...keys: string[]): T {
  const next = { ...config };
  for (const k of keys) delete next[k];
  return next;
}

/**
 * Ties controls to the keys of one object of the config (the config itself, a message, a
 * button) at `path`: each key's value, its change and the publishing check's message for it,
 * from its name alone. `optional`: emptied, the key is left out and the engine takes its default.
 */
export function useKeys<T extends Fields>(fields: T, onChange: (next: T) => void, path = "config") {
  const { problemAt } = useEditor();
  const set = (key: string, value: unknown, optional?: boolean) =>
    onChange(optional ? putOptional(fields, key, value) : put(fields, key, value));
  const error = (key: string) => problemAt(`${path}.${key}`);
  return {
    /** A text, for a VarField. */
    text: (key: string, optional?: boolean) => ({
      value: str(fields[key]),
      onChange: (v: string) => set(key, v, optional),
      error: error(key),
    }),
    /** A text, for the house's input or text area. */
    input: (key: string, optional?: boolean) => ({
      value: str(fields[key]),
      onChange: (e: { target: { value: string } }) => set(key, e.target.value, optional),
      error: error(key),
    }),
    /** A list of texts, for an EntryList: an item that is not text shows as its JSON. */
    texts: (key: string) => ({
      values: arr(fields[key]).map((x) => (typeof x === "string" ? x : JSON.stringify(x))),
      onChange: (v: string[]) => set(key, v),
      error: error(key),
    }),
    /** A number the config may leave out, for a NumberField. */
    number: (key: string) => ({
      value: num(fields[key]),
      onChange: (v: number | undefined) => set(key, v, true),
      error: error(key),
    }),
  };
}

/** The list with item `i` replaced. */
export function replaced<T>(list: T[], i: number, item: T): T[] {
  return list.map((old, j) => (j === i ? item : old));
}

export function removed<T>(list: T[], i: number): T[] {
  return list.filter((_, j) => j !== i);
}

export type { Config };
