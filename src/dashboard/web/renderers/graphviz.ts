/** @module dashboard/web/renderers/graphviz — Graphviz DOT rendered by its WebAssembly build (viz.js). */

import { renderDiagram } from "./diagram.js";
import { loadScript } from "./load-script.js";

interface VizInstance {
  renderString(source: string, options: { format: "svg" }): string;
}

interface VizGlobal {
  instance(): Promise<VizInstance>;
}

let ready: Promise<VizInstance> | undefined;

function loadViz(): Promise<VizInstance> {
  ready ??= loadScript("vendor/viz-global.js").then(() => {
    const viz = (globalThis as { Viz?: VizGlobal }).Viz;
    if (viz === undefined) throw new Error("the Graphviz bundle did not load");
    return viz.instance();
  });
  return ready;
}

async function renderGraphvizSvg(source: string): Promise<string> {
  const viz = await loadViz();
  return viz.renderString(source, { format: "svg" });
}

export function renderGraphviz(source: string): HTMLElement {
  return renderDiagram(source, "Graphviz", renderGraphvizSvg);
}
