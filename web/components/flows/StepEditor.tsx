"use client";
// Every option of the selected step, by its type (docs/flows.md). The publishing check's
// problems show at the field they name; the ones no field shows (the step as a whole, its
// arrows) go in a box at the top. Keys the editor does not know are kept as they are.
import { useMemo } from "react";
import type { Config, Flow, FlowDocument, FlowNode, Problem } from "@/lib/api/flowDocs";
import { obj } from "@/lib/flowdoc/json";
import { ApiCallEditor, apiCallFields } from "./editors/ApiCallEditor";
import { AiEditor, HandoffEditor, aiFields, handoffFields } from "./editors/AssistEditors";
import { ConditionEditor, conditionFields } from "./editors/ConditionEditor";
import { EndEditor, JumpEditor, WaitEditor, jumpFields, waitFields } from "./editors/FlowControlEditors";
import { MessageEditor, messageFields } from "./editors/MessageEditor";
import { QuestionEditor, questionFields } from "./editors/QuestionEditor";
import { SaveEditor, saveFields } from "./editors/SaveEditor";
import { SetVariableEditor, setVariableFields } from "./editors/SetVariableEditor";
import { EditorContext, placeProblems, put, type EditorEnv, type FieldPatterns } from "./editors/shared";
import { TriggerEditor, triggerFields } from "./editors/TriggerEditor";

export interface StepEditorProps {
  node: FlowNode;
  doc: FlowDocument;
  /** The business's flows, for a jump: the published ones can be chosen. */
  flows: Flow[];
  /** The flow being edited: a jump may start it again. */
  flowId: string;
  /** The publishing check's problems of this step only. */
  problems: Problem[];
  readOnly: boolean;
  onChange: (config: Config) => void;
}

const MESSAGE_TYPES_OFFERED = ["text", "image", "document", "audio", "video", "buttons", "list", "template"] as const;

/** The fields the step's editor shows, so that each problem finds its place. */
function fieldsOf(node: FlowNode): FieldPatterns {
  switch (node.type) {
    case "trigger":
      return triggerFields();
    case "message":
      return messageFields("config.message", obj(node.config.message));
    case "question":
      return questionFields(node.config);
    case "condition":
      return conditionFields();
    case "set_variable":
      return setVariableFields();
    case "wait":
      return waitFields();
    case "jump":
      return jumpFields();
    case "ai_response":
      return aiFields();
    case "api_call":
      return apiCallFields();
    case "handoff":
      return handoffFields();
    case "save":
      return saveFields();
    case "end":
      return [];
  }
}

/** "The arrow e3" for a problem about an edge; the field as the engine names it otherwise. */
function where(field: string): string {
  if (field.startsWith("edges.")) return `The arrow ${field.slice(6)}`;
  return field.replace(/^config\./, "");
}

function LooseProblems({ problems }: { problems: Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <div className="rounded-lg bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950/50 dark:text-red-300" data-testid="step-problems">
      <p className="font-semibold">To fix before publishing:</p>
      <ul className="mt-1 list-disc space-y-0.5 pl-4">
        {problems.map((p, i) => (
          <li key={i}>
            {p.field && <span className="font-medium">{where(p.field)}: </span>}
            {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Editor({ node, flows, flowId, onChange }: StepEditorProps) {
  const config = node.config ?? {};
  const props = { config, onChange };
  switch (node.type) {
    case "trigger":
      return <TriggerEditor {...props} />;
    case "message":
      return (
        <MessageEditor
          path="config.message"
          value={config.message}
          onChange={(m) => onChange(put(config, "message", m))}
          types={[...MESSAGE_TYPES_OFFERED]}
        />
      );
    case "question":
      return <QuestionEditor {...props} />;
    case "condition":
      return <ConditionEditor {...props} />;
    case "set_variable":
      return <SetVariableEditor {...props} />;
    case "wait":
      return <WaitEditor {...props} />;
    case "jump":
      return <JumpEditor {...props} flows={flows} flowId={flowId} />;
    case "ai_response":
      return <AiEditor {...props} />;
    case "api_call":
      return <ApiCallEditor {...props} />;
    case "handoff":
      return <HandoffEditor {...props} />;
    case "save":
      return <SaveEditor {...props} />;
    case "end":
      return <EndEditor />;
  }
}

export function StepEditor(props: StepEditorProps) {
  const { node, doc, problems, readOnly } = props;
  const placed = useMemo(() => placeProblems(problems, fieldsOf(node)), [problems, node]);
  const env = useMemo<EditorEnv>(
    () => ({ doc, node, readOnly, problemAt: (path) => placed.at.get(path)?.join("; ") }),
    [doc, node, readOnly, placed],
  );
  return (
    <EditorContext value={env}>
      <div className="space-y-3" data-testid="step-editor" data-type={node.type}>
        <LooseProblems problems={placed.loose} />
        <Editor {...props} />
      </div>
    </EditorContext>
  );
}

