/** @module dashboard/web/renderers/mermaid — Mermaid diagrams, rendered with `securityLevel: "strict"`. */

import { renderDiagram } from "./diagram.js";
import { loadScript } from "./load-script.js";

interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  render(id: string, text: string): Promise<{ svg: string }>;
}

let ready: Promise<MermaidApi> | undefined;
let renderCount = 0;

function loadMermaid(): Promise<MermaidApi> {
  ready ??= loadScript("vendor/mermaid.min.js").then(() => {
    const mermaid = (globalThis as { mermaid?: MermaidApi }).mermaid;
    if (mermaid === undefined) throw new Error("the Mermaid bundle did not load");
    // strict: labels are sanitized and click handlers are disabled, so a diagram runs no script.
    // SVG text labels instead of HTML ones: the sanitizer drops <foreignObject>, and with it HTML labels.
    mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: "neutral",
      htmlLabels: false,
      flowchart: { htmlLabels: false },
    });
    return mermaid;
  });
  return ready;
}

async function renderMermaidSvg(source: string): Promise<string> {
  const mermaid = await loadMermaid();
  renderCount += 1;
  const id = `mermaid-diagram-${renderCount}`;
  try {
    return (await mermaid.render(id, source)).svg;
  } finally {
    // On a syntax error Mermaid leaves its scratch element behind in the body.
    document.getElementById(id)?.remove();
    document.getElementById(`d${id}`)?.remove();
  }
}

export function renderMermaid(source: string): HTMLElement {
  return renderDiagram(source, "Mermaid", renderMermaidSvg);
}
