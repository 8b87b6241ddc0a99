"use client";
// The canvas: the flow's steps as boxes and its edges as arrows, on React Flow. The document is
// the truth: what React Flow reports (a drag ended, an arrow drawn, a selection deleted with
// the keyboard) becomes a change to the document, which is saved and can be undone. Steps
// come from the palette by drag and drop, or by its buttons at the centre of the view.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import type { Flow, FlowDocument, FlowStats, NodeType, Problem } from "@/lib/api/flowDocs";
import { outcomesOf } from "@/lib/flowdoc/catalog";
import { stepSummary } from "@/lib/flowdoc/describe";
import { GRID, addNode, canConnect, connect, moveNodes, removeElements } from "@/lib/flowdoc/edit";
import { StepNode, type StepNodeType } from "./StepNode";

export const STEP_MIME = "application/x-botflow-step";
const NODE_TYPES = { step: StepNode };

export interface CanvasProps {
  doc: FlowDocument;
  change: (doc: FlowDocument, merge?: string) => void;
  readOnly: boolean;
  problems: Map<string, Problem[]>;
  stats: FlowStats | null;
  /** A test's run: the step it is at, and the steps it went through. */
  current: string | null;
  visited: Set<string>;
  flows: Flow[];
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** Set by the canvas: adds a step of this type at the centre of the view. */
  adder: React.MutableRefObject<((type: NodeType) => void) | null>;
  /** Set by the canvas: the steps' drawn sizes, for the tidy-up layout. */
  sizes: React.MutableRefObject<() => Map<string, { width: number; height: number }>>;
  /** Set by the canvas: brings every step into view. */
  fit: React.MutableRefObject<() => void>;
}

function summaryOf(n: FlowDocument["nodes"][number], flows: Flow[]): string {
  if (n.type === "jump") {
    const to = flows.find((f) => f.id === n.config.flow_id);
    if (to) return `To the flow ${to.name}`;
  }
  return stepSummary(n);
}

/** The document's steps as React Flow nodes, keeping what React Flow measured of each. */
function useStepNodes(p: CanvasProps) {
  const [nodes, setNodes] = useState<StepNodeType[]>([]);
  const { doc, problems, stats, current, visited, flows, selected } = p;
  useEffect(() => {
    setNodes((old) => {
      const before = new Map(old.map((n) => [n.id, n]));
      return doc.nodes.map((step) => {
        const was = before.get(step.id);
        return {
          ...(was ?? {}),
          id: step.id,
          type: "step" as const,
          position: step.position ?? { x: 0, y: 0 },
          // React Flow keeps the selection; a step just added is the one selected.
          selected: was ? (was.selected ?? false) : step.id === selected,
          data: {
            step,
            summary: summaryOf(step, flows),
            outcomes: outcomesOf(step, doc.edges),
            problems: problems.get(step.id) ?? [],
            stats: stats ? (stats.nodes[step.id] ?? { entered: 0, outcomes: {} }) : null,
            current: current === step.id,
            visited: visited.has(step.id),
          },
        };
      });
    });
  }, [doc, problems, stats, current, visited, flows, selected]);
  return [nodes, setNodes] as const;
}

/** Whether the dashboard is dark now: the theme switch may change it while the canvas is open. */
function useDark(): boolean {
  const [dark, setDark] = useState(false);
  useEffect(() => {
    const html = document.documentElement;
    const read = () => setDark(html.classList.contains("dark"));
    read();
    const watch = new MutationObserver(read);
    watch.observe(html, { attributes: true, attributeFilter: ["class"] });
    return () => watch.disconnect();
  }, []);
  return dark;
}

/** The document as the handlers see it. Several changes can come before the next render: each
 * builds on the one before. */
function useLatestDoc(doc: FlowDocument, change: CanvasProps["change"]) {
  const docRef = useRef(doc);
  docRef.current = doc;
  const apply = useCallback(
    (next: FlowDocument) => {
      docRef.current = next;
      change(next);
    },
    [change],
  );
  return { docRef, apply };
}

/** The document's edges as React Flow edges, with the selection React Flow reports. */
function useEdges(doc: FlowDocument, current: string | null) {
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const edges: Edge[] = useMemo(
    () =>
      doc.edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        sourceHandle: e.when,
        selected: selectedEdges.has(e.id),
        animated: current === e.source,
        ariaLabel: `From ${e.source} (${e.when}) to ${e.target}`,
      })),
    [doc.edges, selectedEdges, current],
  );
  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    setSelectedEdges((old) => {
      const next = new Set(old);
      for (const c of changes) {
        if (c.type === "select") c.selected ? next.add(c.id) : next.delete(c.id);
        if (c.type === "remove") next.delete(c.id);
      }
      return next;
    });
  }, []);
  return { edges, onEdgesChange };
}

/** What React Flow reports of the steps: a drag that ended moves them in the document, and the
 * selection chooses the step the panel edits. */
function useNodeChanges(
  [nodes, setNodes]: ReturnType<typeof useStepNodes>,
  { docRef, apply }: ReturnType<typeof useLatestDoc>,
  readOnly: boolean,
  onSelect: CanvasProps["onSelect"],
) {
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  return useCallback(
    (changes: NodeChange<StepNodeType>[]) => {
      const next = applyNodeChanges(changes, nodesRef.current);
      nodesRef.current = next;
      setNodes(next);
      const moved = new Map<string, { x: number; y: number }>();
      for (const c of changes) {
        if (c.type === "position" && c.position && !c.dragging) moved.set(c.id, c.position);
      }
      if (changes.some((c) => c.type === "select")) {
        // The panel edits one step: the one selected, or the last of several.
        const chosen = next.filter((n) => n.selected);
        onSelect(chosen.length ? chosen[chosen.length - 1]!.id : null);
      }
      if (readOnly) return;
      const changed = moveNodes(docRef.current, moved);
      if (changed !== docRef.current) apply(changed);
    },
    [setNodes, apply, readOnly, onSelect, docRef],
  );
}

/** Arrows drawn and what the keyboard deleted, as changes to the document. */
function useWiring({ docRef, apply }: ReturnType<typeof useLatestDoc>, readOnly: boolean) {
  // What the keyboard deleted, steps and arrows together: one change, undone in one go.
  const onDelete = useCallback(
    ({ nodes: gone, edges: cut }: { nodes: StepNodeType[]; edges: Edge[] }) => {
      if (readOnly) return;
      apply(removeElements(docRef.current, gone.map((n) => n.id), cut.map((e) => e.id)));
    },
    [apply, readOnly, docRef],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (readOnly || !c.sourceHandle) return;
      apply(connect(docRef.current, c.source, c.sourceHandle, c.target));
    },
    [apply, readOnly, docRef],
  );
  const isValidConnection = useCallback((c: Connection | Edge) => canConnect(docRef.current, c.source, c.target), [docRef]);
  return { onDelete, onConnect, isValidConnection };
}

/** Adding steps: dropped from the palette where the pointer is, or by its buttons at the centre
 * of the view; and what the builder asks of the canvas (the steps' sizes, a fit to the view). */
function usePlacing(
  [nodes, setNodes]: ReturnType<typeof useStepNodes>,
  { docRef, apply }: ReturnType<typeof useLatestDoc>,
  { readOnly, onSelect, adder, sizes, fit }: Pick<CanvasProps, "readOnly" | "onSelect" | "adder" | "sizes" | "fit">,
) {
  const flow = useReactFlow();
  const place = useCallback(
    (type: NodeType, at: { x: number; y: number }) => {
      const r = addNode(docRef.current, type, { x: Math.round(at.x / GRID) * GRID, y: Math.round(at.y / GRID) * GRID });
      setNodes((ns) => ns.map((n) => (n.selected ? { ...n, selected: false } : n)));
      apply(r.doc);
      onSelect(r.id);
    },
    [apply, onSelect, setNodes, docRef],
  );

  const wrapper = useRef<HTMLDivElement>(null);
  useEffect(() => {
    adder.current = (type) => {
      const box = wrapper.current?.getBoundingClientRect();
      const centre = box ? { x: box.left + box.width / 2 - 120, y: box.top + box.height / 2 - 60 } : { x: 0, y: 0 };
      // A little apart from the last step added there, so that they do not stack.
      const offset = (docRef.current.nodes.length % 5) * 24;
      const p = flow.screenToFlowPosition(centre);
      place(type, { x: p.x + offset, y: p.y + offset });
    };
    sizes.current = () =>
      new Map(nodes.map((n) => [n.id, { width: n.measured?.width ?? 240, height: n.measured?.height ?? 120 }]));
    // After the steps have moved to where the layout put them.
    fit.current = () => setTimeout(() => void flow.fitView({ maxZoom: 1, padding: 0.2, duration: 200 }), 50);
  }, [adder, sizes, fit, flow, place, nodes, docRef]);

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      const type = e.dataTransfer.getData(STEP_MIME) as NodeType;
      if (!type || readOnly) return;
      e.preventDefault();
      place(type, flow.screenToFlowPosition({ x: e.clientX - 120, y: e.clientY - 30 }));
    },
    [flow, place, readOnly],
  );
  return { wrapper, onDrop };
}

export function Canvas(props: CanvasProps) {
  const { doc, change, readOnly, onSelect } = props;
  const stepNodes = useStepNodes(props);
  const [nodes] = stepNodes;
  const latest = useLatestDoc(doc, change);
  const { edges, onEdgesChange } = useEdges(doc, props.current);
  const onNodesChange = useNodeChanges(stepNodes, latest, readOnly, onSelect);
  const wiring = useWiring(latest, readOnly);
  const { wrapper, onDrop } = usePlacing(stepNodes, latest, props);
  const dark = useDark();
  // Fitted to the steps it opens with; an empty flow keeps its view as steps are added.
  const [fitted] = useState(() => doc.nodes.length > 0);

  return (
    <div ref={wrapper} className="h-full w-full" data-testid="canvas">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={wiring.onConnect}
        onDelete={wiring.onDelete}
        isValidConnection={wiring.isValidConnection}
        onDrop={onDrop}
        onDragOver={(e) => {
          if (readOnly) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = "move";
        }}
        onPaneClick={() => onSelect(null)}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        elementsSelectable
        deleteKeyCode={readOnly ? null : ["Delete", "Backspace"]}
        snapToGrid
        snapGrid={[GRID, GRID]}
        colorMode={dark ? "dark" : "light"}
        fitView={fitted}
        fitViewOptions={{ maxZoom: 1, minZoom: 0.55, padding: 0.1 }}
        minZoom={0.2}
        maxZoom={2}
        defaultEdgeOptions={{ type: "smoothstep" }}
      >
        <Background variant={BackgroundVariant.Dots} gap={GRID} />
        <Controls showInteractive={false} aria-label="Zoom" />
        <MiniMap pannable zoomable ariaLabel="Minimap" className="!hidden md:!block" />
      </ReactFlow>
    </div>
  );
}
