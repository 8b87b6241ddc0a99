"use client";
// The steps that pause or leave the flow: a wait (an amount of time, kept in seconds), a jump to
// another flow, and the end.
import { useState } from "react";
import { Select } from "@/components/Form";
import type { Flow } from "@/lib/api/flowDocs";
import { num, str } from "@/lib/flowdoc/json";
import { NumberField } from "./controls";
import { Controls, FieldError, Hint, joined, put, useEditor, without, type EditorProps, type FieldPatterns } from "./shared";

const UNITS: [string, number][] = [
  ["seconds", 1],
  ["minutes", 60],
  ["hours", 3600],
];

const MAX_WAIT = 86400;

export function waitFields(): FieldPatterns {
  return ["config.seconds"];
}

/** The largest unit the wait is a whole number of: 5400 seconds read as 90 minutes. */
export function unitFor(seconds: number | undefined): number {
  if (seconds === undefined || seconds === 0) return 60;
  if (seconds % 3600 === 0) return 3600;
  return seconds % 60 === 0 ? 60 : 1;
}

function outOfRange(seconds: number | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_WAIT) return "From 1 second to 24 hours, in whole seconds.";
  return undefined;
}

export function WaitEditor({ config, onChange }: EditorProps) {
  const { problemAt } = useEditor();
  const seconds = num(config.seconds);
  // The unit is the owner's choice while they type: 90 minutes stays in minutes.
  const [unit, setUnit] = useState(() => unitFor(seconds));
  const amount = seconds === undefined ? undefined : seconds / unit;
  const set = (value: number | undefined, per: number) =>
    onChange(value === undefined ? without(config, "seconds") : put(config, "seconds", Math.round(value * per)));
  const error = joined(outOfRange(seconds), problemAt("config.seconds"));
  return (
    <Controls>
      <div className="grid grid-cols-2 gap-2">
        <NumberField label="Wait for" value={amount} onChange={(v) => set(v, unit)} min={0} step="any" placeholder="1" />
        <Select
          compact
          label="Unit of time"
          value={String(unit)}
          onChange={(e) => {
            const next = Number(e.target.value);
            setUnit(next);
            if (amount !== undefined) set(amount, next);
          }}
        >
          {UNITS.map(([name, per]) => (
            <option key={name} value={per}>
              {name}
            </option>
          ))}
        </Select>
      </div>
      <FieldError message={error} />
      <Hint>
        At most 24 hours. While the flow waits, the AI answers the customer&apos;s messages; a message after the wait reaches them only
        within WhatsApp&apos;s 24-hour window.
      </Hint>
    </Controls>
  );
}

export function jumpFields(): FieldPatterns {
  return ["config.flow_id"];
}

export function JumpEditor({ config, onChange, flows, flowId }: EditorProps & { flows: Flow[]; flowId: string }) {
  const { problemAt } = useEditor();
  const target = str(config.flow_id);
  const others = flows.filter((f) => f.id !== flowId);
  const known = target === "" || target === flowId || others.some((f) => f.id === target);
  return (
    <Controls>
      <Select compact label="Flow to go to" value={target} onChange={(e) => onChange(put(config, "flow_id", e.target.value))} error={problemAt("config.flow_id")}>
        <option value="">Choose a flow…</option>
        <option value={flowId}>This flow, from its start</option>
        {others.map((f) => (
          <option key={f.id} value={f.id} disabled={f.published_version === null && f.id !== target}>
            {f.published_version === null ? `${f.name} (not published)` : f.name}
          </option>
        ))}
        {!known && <option value={target}>A flow that is not here ({target})</option>}
      </Select>
      <Hint>
        Ends this run and starts the published version of that flow at its first trigger, with this run&apos;s variables. There, only
        the variables its own steps store can be named.
      </Hint>
    </Controls>
  );
}

export function EndEditor() {
  return <p className="text-sm text-zinc-600 dark:text-zinc-300">This step ends the flow: the run is completed, and nothing follows it.</p>;
}
