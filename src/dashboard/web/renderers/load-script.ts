/**
 * @module dashboard/web/renderers/load-script — loads a vendor bundle (Mermaid, Graphviz) from our
 * own origin the first time a diagram needs it, so the page stays small otherwise.
 */

const loading = new Map<string, Promise<void>>();

/** Adds `<script src>` once per URL; resolves when it has run. */
export function loadScript(src: string): Promise<void> {
  let pending = loading.get(src);
  if (pending === undefined) {
    pending = new Promise<void>((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.addEventListener("load", () => resolve());
      script.addEventListener("error", () => {
        loading.delete(src);
        reject(
          new Error(
            `Could not load ${src}: the dashboard build may be incomplete (run npm run build).`,
          ),
        );
      });
      document.head.append(script);
    });
    loading.set(src, pending);
  }
  return pending;
}
