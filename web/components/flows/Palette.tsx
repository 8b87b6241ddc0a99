"use client";
// Every step type the engine has: drag one onto the canvas, or press it (mouse or keyboard) to
// add it at the centre of the view. Shown only to someone who may edit.
import type { NodeType } from "@/lib/api/flowDocs";
import { STEP_KINDS } from "@/lib/flowdoc/catalog";
import { STEP_MIME } from "./Canvas";
import { KindIcon } from "./KindIcon";

export function Palette({ onAdd }: { onAdd: (type: NodeType) => void }) {
  return (
    <nav aria-label="Steps" className="flex gap-1.5 overflow-x-auto p-2 lg:flex-col lg:overflow-y-auto" data-testid="palette">
      <p className="hidden px-1 text-xs font-medium uppercase tracking-wide text-zinc-500 lg:block dark:text-zinc-400">Add a step</p>
      {STEP_KINDS.map((k) => (
        <button
          key={k.type}
          type="button"
          draggable
          onDragStart={(e) => {
            e.dataTransfer.setData(STEP_MIME, k.type);
            e.dataTransfer.effectAllowed = "move";
          }}
          onClick={() => onAdd(k.type)}
          aria-label={`Add a ${k.label} step`}
          title={k.hint}
          data-step-type={k.type}
          className="flex shrink-0 cursor-grab items-center gap-2 rounded-lg border border-zinc-200 bg-white px-2 py-1.5 text-left text-xs hover:border-brand-500 lg:w-full dark:border-zinc-700 dark:bg-zinc-900"
        >
          <KindIcon kind={k} size="h-6 w-6 shrink-0" />
          <span className="min-w-0">
            <span className="block font-medium">{k.label}</span>
            <span className="hidden text-[11px] text-zinc-500 lg:block dark:text-zinc-400">{k.hint}</span>
          </span>
        </button>
      ))}
    </nav>
  );
}
