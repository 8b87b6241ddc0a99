// What the prompt editor works out from a template's text itself.

/** The variables `body` uses ({{ name }}, spaces inside allowed), each once. */
export function usedVariables(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/\{\{([^}]*)\}\}/g)) {
    const name = (m[1] ?? "").trim();
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
