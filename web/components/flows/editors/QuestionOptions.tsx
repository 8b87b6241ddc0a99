"use client";
// What a question can do beyond checking the answer: read the business's opening hours (refuse
// a day it is closed, or offer the times it is open on a day asked before), and give each choice
// points that add up to a score over several questions (a lead's score).
import { Checkbox, Field, Select } from "@/components/Form";
import type { FlowDocument } from "@/lib/api/flowDocs";
import { choicesOf } from "@/lib/flowdoc/catalog";
import { num, obj, str, type Fields } from "@/lib/flowdoc/json";
import { storedVariables } from "@/lib/flowdoc/variables";
import { Group, NumberField } from "./controls";
import { Hint, put, putOptional, useEditor, useKeys, without, type Config, type EditorProps } from "./shared";

/** The fields of these options, as the engine names them; a point of a choice the prompt no
 * longer has shows at the scoring as a whole. */
export function questionOptionFields(config: Config): string[] {
  const points = choicesOf(obj(config.prompt)).map((c) => `config.points.${c.id}`);
  return ["config.open_days", "config.slots", "config.slots.date", "config.slots.minutes", "config.points", ...points, "config.score_as"];
}

/** Without points there is no score to add them to. */
function withPoints(config: Config, points: Fields): Config {
  return Object.keys(points).length ? put(config, "points", points) : without(config, "points", "score_as");
}

/**
 * The points after the prompt changed: a choice renamed in place (its id follows its title)
 * keeps its points under its new id, and a choice removed takes its points with it. Points of
 * an id the prompt did not have before are kept, so that publishing still names them.
 */
export function carryPoints(config: Config, before: Fields, after: Fields): Config {
  const points = obj(config.points);
  const ids = Object.keys(points);
  if (ids.length === 0) return config;
  const was = choicesOf(before).map((c) => c.id);
  const now = choicesOf(after).map((c) => c.id);
  const next: Fields = {};
  for (const id of ids) {
    const i = was.indexOf(id);
    if (i < 0 || now.includes(id)) {
      next[id] = points[id];
      continue;
    }
    const renamed = was.length === now.length ? now[i] : undefined;
    if (renamed !== undefined && !ids.includes(renamed)) next[renamed] = points[id];
  }
  return withPoints(config, next);
}

/** The variable a time question most likely reads its day from: the first a date question keeps. */
function likelyDay(doc: FlowDocument, self: string): string {
  const q = doc.nodes.find((n) => n.id !== self && n.type === "question" && str(n.config.answer) === "date" && str(n.config.store_as));
  return q ? str(q.config.store_as) : "";
}

function OpenTimes({ config, onChange }: EditorProps) {
  const { doc, node, problemAt } = useEditor();
  const on = config.slots !== undefined && config.slots !== null;
  const slots = obj(config.slots);
  const date = str(slots.date);
  // The time this question keeps is no day to offer times for.
  const days = storedVariables(doc).filter((v) => v.name !== str(config.store_as));
  const setSlots = (next: Fields) => onChange(put(config, "slots", next));
  return (
    <Group
      title="Offer our open times"
      hint="Asks with a list of the times you are open on a day the flow asked before, from the opening hours of Settings. With no opening hours set, the question is sent as it is."
      error={problemAt("config.slots")}
    >
      <Checkbox
        compact
        label="Ask with a list of our open times"
        checked={on}
        onChange={(e) => onChange(e.target.checked ? put(config, "slots", { date: likelyDay(doc, node.id), minutes: 60 }) : without(config, "slots"))}
      />
      {on && (
        <>
          <Select compact label="Day they are for" value={date} onChange={(e) => setSlots(put(slots, "date", e.target.value))} error={problemAt("config.slots.date")}>
            <option value="">Choose a variable</option>
            {days.map((v) => (
              <option key={v.name} value={v.name}>
                {v.name} ({v.about})
              </option>
            ))}
            {date && !days.some((v) => v.name === date) && <option value={date}>{date}</option>}
          </Select>
          {days.length === 0 && <Hint>No step keeps a day yet: ask for a date before this question and save the answer.</Hint>}
          <NumberField
            label="Minutes between times"
            value={num(slots.minutes)}
            onChange={(m) => setSlots(putOptional(slots, "minutes", m))}
            error={problemAt("config.slots.minutes")}
            placeholder="60"
            min={15}
            max={240}
            step={1}
            hint="15 to 240. At most 10 times are offered; a day with none left takes the “invalid” way."
          />
        </>
      )}
    </Group>
  );
}

/** The options the business's opening hours give a date, a date and time, or a time answer. */
export function HoursOptions({ config, onChange, answer }: EditorProps & { answer: string }) {
  const { problemAt } = useEditor();
  if (answer === "date" || answer === "datetime") {
    return (
      <Checkbox
        compact
        label="Refuse days we are closed"
        checked={config.open_days === true}
        onChange={(e) => onChange(e.target.checked ? put(config, "open_days", true) : without(config, "open_days"))}
        hint="A day with no opening hours in Settings is a wrong answer, asked again. With no opening hours set, every day is open."
        error={problemAt("config.open_days")}
      />
    );
  }
  if (answer === "time") return <OpenTimes config={config} onChange={onChange} />;
  return null;
}

/** Points for each button or row, and the variable they add up in. */
export function Scoring({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const keys = useKeys(config, onChange);
  const choices = choicesOf(obj(config.prompt));
  const points = obj(config.points);
  const setPoint = (id: string, n: number | undefined) => onChange(withPoints(config, putOptional(points, id, n)));
  return (
    <Group
      title="Scoring"
      hint="Points a choice adds to a score, so that several questions add up to one (a lead's score). Leave them empty for no score."
      error={problemAt("config.points")}
    >
      {choices.length === 0 && <Hint>Give the buttons or rows an id first.</Hint>}
      <div className="grid grid-cols-2 gap-2">
        {choices.map((c, i) => (
          <NumberField
            key={`${i}:${c.id}`}
            label={`Points for ${c.title || c.id}`}
            value={num(points[c.id])}
            onChange={(n) => setPoint(c.id, n)}
            error={problemAt(`config.points.${c.id}`)}
            placeholder="None"
            step="any"
          />
        ))}
      </div>
      {Object.keys(points).length > 0 && (
        <Field
          compact
          label="Add the points to"
          className="font-mono text-xs"
          {...keys.input("score_as", true)}
          placeholder="lead.score"
          hint="A variable that starts at 0; every question that adds to it makes the score, for a condition to read."
        />
      )}
    </Group>
  );
}
