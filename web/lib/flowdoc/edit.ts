// Changes to a flow's document as the builder makes them: adding, connecting, removing,
// renaming and moving steps, and the tidy-up layout. Pure: each answers a new document and
// leaves the one it was given alone, so that undo can keep every earlier one.
import dagre from "@dagrejs/dagre";
import type { Config, FlowDocument, FlowEdge, FlowNode, NodeType } from "@/lib/api/flowDocs";
import { NODE_ID, freshNodeId, stepKind, takesEdges } from "./catalog";

export const EMPTY_DOCUMENT: FlowDocument = { nodes: [], edges: [] };

/** A document as the API may give it: every node with a config and a position. */
export function normalize(doc: FlowDocument | undefined | null): FlowDocument {
  if (!doc) return EMPTY_DOCUMENT;
  return {
    nodes: (doc.nodes ?? []).map((n, i) => ({
      ...n,
      config: n.config ?? {},
      position: n.position ?? { x: 0, y: i * 160 },
    })),
    edges: (doc.edges ?? []).map((e) => ({ ...e, when: e.when ?? "default" })),
  };
}

export function addNode(doc: FlowDocument, type: NodeType, position: { x: number; y: number }): { doc: FlowDocument; id: string } {
  const id = freshNodeId(
    type,
    doc.nodes.map((n) => n.id),
  );
  const node: FlowNode = { id, type, config: stepKind(type).initial(), position };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id };
}

/** An edge id the document does not have, made of what it joins. */
function edgeId(doc: FlowDocument, source: string, when: string, target: string): string {
  const base = `${source}-${when}-${target}`.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 60);
  const ids = new Set(doc.edges.map((e) => e.id));
  if (!ids.has(base)) return base;
  for (let n = 2; ; n++) if (!ids.has(`${base}_${n}`)) return `${base}_${n}`;
}

/** Whether an edge may join these steps: never into a trigger, never from a step that ends. */
export function canConnect(doc: FlowDocument, source: string, target: string): boolean {
  const to = doc.nodes.find((n) => n.id === target);
  const from = doc.nodes.find((n) => n.id === source);
  if (!to || !from) return false;
  return takesEdges(to.type) && !["end", "handoff", "jump"].includes(from.type);
}

/** Connects an outcome to a step. An outcome leads to one step: an edge it had is replaced. */
export function connect(doc: FlowDocument, source: string, when: string, target: string): FlowDocument {
  if (!canConnect(doc, source, target)) return doc;
  const kept = doc.edges.filter((e) => !(e.source === source && e.when === when));
  const edge: FlowEdge = { id: edgeId({ ...doc, edges: kept }, source, when, target), source, target, when };
  return { ...doc, edges: [...kept, edge] };
}

/** The outcome leads nowhere any more. */
export function disconnect(doc: FlowDocument, source: string, when: string): FlowDocument {
  return { ...doc, edges: doc.edges.filter((e) => !(e.source === source && e.when === when)) };
}

export function removeElements(doc: FlowDocument, nodeIds: Iterable<string>, edgeIds: Iterable<string>): FlowDocument {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return doc;
  return {
    nodes: doc.nodes.filter((n) => !nodes.has(n.id)),
    edges: doc.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target)),
  };
}

export function setConfig(doc: FlowDocument, id: string, config: Config): FlowDocument {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === id ? { ...n, config } : n)) };
}

export function moveNodes(doc: FlowDocument, moved: Map<string, { x: number; y: number }>): FlowDocument {
  if (moved.size === 0) return doc;
  return { ...doc, nodes: doc.nodes.map((n) => (moved.has(n.id) ? { ...n, position: moved.get(n.id)! } : n)) };
}

/** Gives a step a new id, and its edges with it. Answers why not when the id cannot be used. */
export function renameNode(doc: FlowDocument, from: string, to: string): FlowDocument | string {
  if (from === to) return doc;
  if (!NODE_ID.test(to)) return "An id is 1 to 64 letters, digits, - or _.";
  if (doc.nodes.some((n) => n.id === to)) return `Another step is called ${to}.`;
  return {
    nodes: doc.nodes.map((n) => (n.id === from ? { ...n, id: to } : n)),
    edges: doc.edges.map((e) => ({
      ...e,
      source: e.source === from ? to : e.source,
      target: e.target === from ? to : e.target,
    })),
  };
}

/** Copies of the steps (new ids, a little to the side) and of the edges between them. */
export function duplicateNodes(doc: FlowDocument, ids: string[]): { doc: FlowDocument; ids: string[] } {
  const renamed = new Map<string, string>();
  let next = doc;
  for (const id of ids) {
    const n = doc.nodes.find((x) => x.id === id);
    if (!n) continue;
    const copy = freshNodeId(
      n.type,
      next.nodes.map((x) => x.id),
    );
    renamed.set(id, copy);
    const position = { x: (n.position?.x ?? 0) + 40, y: (n.position?.y ?? 0) + 40 };
    next = { ...next, nodes: [...next.nodes, { ...n, id: copy, config: structuredClone(n.config), position }] };
  }
  for (const e of doc.edges) {
    const s = renamed.get(e.source);
    const t = renamed.get(e.target);
    if (s && t) next = connect(next, s, e.when, t);
  }
  return { doc: next, ids: [...renamed.values()] };
}

/** Lays the steps out left to right in the order the edges take them, each column a step
 * further from a trigger. `sizes` are the steps as drawn (a default for any not drawn yet). */
export function tidy(doc: FlowDocument, sizes: Map<string, { width: number; height: number }>): FlowDocument {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 40, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const sizeOf = (id: string) => sizes.get(id) ?? { width: 240, height: 120 };
  for (const n of doc.nodes) {
    const s = sizeOf(n.id);
    g.setNode(n.id, { width: s.width, height: s.height });
  }
  for (const e of doc.edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const moved = new Map<string, { x: number; y: number }>();
  for (const n of doc.nodes) {
    const p = g.node(n.id);
    const s = sizeOf(n.id);
    // dagre answers centres; React Flow places a node by its top-left corner. Snapped to the grid.
    if (p) moved.set(n.id, { x: snap(p.x - s.width / 2), y: snap(p.y - s.height / 2) });
  }
  return moveNodes(doc, moved);
}

export const GRID = 16;
const snap = (v: number) => Math.round(v / GRID) * GRID;

/** The problems of the flow by the node they name ("" for the flow as a whole). */
export function problemsByNode<T extends { node: string }>(problems: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const p of problems) out.set(p.node, [...(out.get(p.node) ?? []), p]);
  return out;
}
