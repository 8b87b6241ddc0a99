// A step type's badge, its symbol on its colour, as the palette, the canvas and the step's
// panel show it; each at its own size.
import type { StepKind } from "@/lib/flowdoc/catalog";

export function KindIcon({ kind, size }: { kind: StepKind; size: string }) {
  return (
    <span aria-hidden className={`grid ${size} place-items-center rounded-md ${kind.tone}`}>
      {kind.icon}
    </span>
  );
}
