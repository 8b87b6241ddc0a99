"use client";
// A question: the message that asks (text, buttons or a list, with its preview), what the
// answer must be, where it is kept, and how the question re-asks and how long it waits; what
// the opening hours do to a date or time answer, and the points its choices score.
import { Checkbox, Field, Select } from "@/components/Form";
import { LIMITS, PROMPT_TYPES } from "@/lib/flowdoc/limits";
import { obj, str } from "@/lib/flowdoc/json";
import { VarField } from "../VarField";
import { NumberField } from "./controls";
import { MessageEditor, messageFields, typeOf } from "./MessageEditor";
import { HoursOptions, Scoring, carryPoints, questionOptionFields } from "./QuestionOptions";
import { Controls, Hint, put, useEditor, useKeys, without, type Config, type EditorProps, type FieldPatterns } from "./shared";

const ANSWERS: [string, string][] = [
  ["text", "Any text"],
  ["number", "A number"],
  ["email", "An email address"],
  ["phone", "A phone number"],
  ["date", "A date"],
  ["time", "A time of day"],
  ["datetime", "A date and a time"],
  ["choice", "One of the buttons or rows"],
  ["regex", "Text that matches a pattern"],
];

// What each answer type keeps, as docs/flows.md says.
const KEEPS: Record<string, string> = {
  text: "Keeps the text.",
  number: "Accepts 4, -2, 3.5 or 3,5 and keeps a number.",
  email: "Keeps the address in lower case.",
  phone: "Accepts 7 to 15 digits; keeps +15551234567 when written with + or 00, else the digits.",
  date: "Accepts 24/12, tomorrow, next Friday… (day first) and keeps 2026-12-24.",
  time: "Accepts 15:30, 3pm, noon… and keeps 15:30.",
  datetime: "Accepts “tomorrow at 3pm” and keeps 2026-12-08 15:00.",
  choice: "A tap, or the title, id or number (2 for the second) of a button or row. Keeps the title.",
  regex: "Keeps the text.",
};

// The options each answer type reads: changing the type drops the others'.
const OPTIONS: Record<string, string[]> = {
  text: ["min_length", "max_length"],
  number: ["min", "max", "integer"],
  regex: ["pattern"],
  date: ["open_days"],
  datetime: ["open_days"],
  time: ["slots"],
};
const ALL_OPTIONS = [...new Set(Object.values(OPTIONS).flat())];

const tappable = (promptType: string) => promptType === "buttons" || promptType === "list";

export function questionFields(config: Config): FieldPatterns {
  const own = ["answer", ...ALL_OPTIONS, "store_as", "reask", "max_attempts", "timeout_minutes"];
  return [...new Set([...messageFields("config.prompt", obj(config.prompt)), ...own.map((k) => `config.${k}`), ...questionOptionFields(config)])];
}

function withAnswer(config: Config, answer: string): Config {
  const stale = ALL_OPTIONS.filter((k) => !(OPTIONS[answer] ?? []).includes(k));
  return put(without(config, ...stale), "answer", answer);
}

/** A question that starts offering buttons expects a tap, and one that stops, a text. */
function adaptAnswer(config: Config, promptType: string): Config {
  const answer = str(config.answer);
  if (tappable(promptType) && (answer === "" || answer === "text")) return withAnswer(config, "choice");
  if (!tappable(promptType) && answer === "choice") return withAnswer(config, "text");
  return config;
}

function AnswerOptions({ config, onChange, answer }: EditorProps & { answer: string }) {
  const { problemAt } = useEditor();
  const keys = useKeys(config, onChange);
  const number = (key: string, label: string, extra: { placeholder: string; min?: number; max?: number; step?: number | "any" }) => (
    <NumberField label={label} {...keys.number(key)} {...extra} />
  );
  if (answer === "text") {
    return (
      <div className="grid grid-cols-2 gap-2">
        {number("min_length", "Fewest characters", { placeholder: "1", min: 0, max: 4096, step: 1 })}
        {number("max_length", "Most characters", { placeholder: "1000", min: 1, max: 4096, step: 1 })}
      </div>
    );
  }
  if (answer === "number") {
    return (
      <>
        <div className="grid grid-cols-2 gap-2">
          {number("min", "Smallest number", { placeholder: "No limit", step: "any" })}
          {number("max", "Largest number", { placeholder: "No limit", step: "any" })}
        </div>
        <Checkbox
          compact
          label="Whole numbers only"
          checked={config.integer === true}
          onChange={(e) => onChange(e.target.checked ? put(config, "integer", true) : without(config, "integer"))}
          error={problemAt("config.integer")}
        />
      </>
    );
  }
  if (answer === "regex") {
    return (
      <Field
        compact
        label="Answer pattern"
        className="font-mono text-xs"
        {...keys.input("pattern")}
        placeholder="^[A-Z]-\d{4}$"
        hint="A regular expression the whole answer must match, with case."
      />
    );
  }
  return null;
}

function Heading({ children }: { children: string }) {
  return <h3 className="text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">{children}</h3>;
}

export function QuestionEditor({ config, onChange }: EditorProps) {
  const { doc, problemAt } = useEditor();
  const keys = useKeys(config, onChange);
  const promptType = typeOf(obj(config.prompt));
  const answer = str(config.answer) || (tappable(promptType) ? "choice" : "text");
  function onPrompt(prompt: Config) {
    const next = carryPoints(put(config, "prompt", prompt), obj(config.prompt), prompt);
    onChange(typeOf(prompt) === promptType ? next : adaptAnswer(next, typeOf(prompt)));
  }
  return (
    <div className="space-y-4">
      <Heading>The question</Heading>
      <MessageEditor path="config.prompt" value={config.prompt} onChange={onPrompt} types={PROMPT_TYPES} question />
      <Heading>The answer</Heading>
      <Controls>
        <Select compact label="Answer type" value={answer} onChange={(e) => onChange(withAnswer(config, e.target.value))} error={problemAt("config.answer")}>
          {ANSWERS.map(([value, name]) => (
            <option key={value} value={value} disabled={value === "choice" && !tappable(promptType) && answer !== "choice"}>
              {name}
            </option>
          ))}
        </Select>
        <Hint>{KEEPS[answer] ?? ""}</Hint>
        <AnswerOptions config={config} onChange={onChange} answer={answer} />
        <HoursOptions config={config} onChange={onChange} answer={answer} />
        <Field
          compact
          label="Save the answer as"
          className="font-mono text-xs"
          {...keys.input("store_as", true)}
          placeholder="booking.date"
          hint="A variable later steps can name. Leave it empty to check the answer without keeping it."
        />
        {tappable(promptType) && <Scoring config={config} onChange={onChange} />}
        <VarField
          label="Re-ask after a wrong answer"
          multiline
          {...keys.text("reask", true)}
          doc={doc}
          limit={LIMITS.text}
          placeholder="Sorry, I did not understand that. Could you answer again?"
        />
        <NumberField
          label="Wrong answers allowed"
          {...keys.number("max_attempts")}
          placeholder="3"
          min={1}
          max={10}
          step={1}
          hint="1 to 10. The last one takes the “invalid” way instead of the re-ask."
        />
        <NumberField
          label="Wait for an answer (minutes)"
          {...keys.number("timeout_minutes")}
          placeholder="1440"
          min={1}
          max={1440}
          step={1}
          hint="1 to 1440 (24 hours); then the question takes the “timeout” way."
        />
      </Controls>
    </div>
  );
}
