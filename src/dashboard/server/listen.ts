/** @module dashboard/server/listen — binding the HTTP server (with a free-port fallback) and opening a browser. */

import { spawn } from "node:child_process";
import type { Server } from "node:http";

function listenOnce(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address !== null ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/**
 * Listens on `port`, or on a free port the system picks when that one is taken.
 * Returns the port in use.
 */
export async function listenWithFallback(
  server: Server,
  port: number,
  host: string,
  log: (line: string) => void,
): Promise<number> {
  try {
    return await listenOnce(server, port, host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0) throw error;
    const picked = await listenOnce(server, 0, host);
    log(`Port ${port} is in use; the dashboard uses port ${picked} instead.`);
    return picked;
  }
}

/** Opens `url` in the desktop's browser when there is one; otherwise says so and carries on. */
export function openBrowser(url: string, log: (line: string) => void): void {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", '""', url]]
        : ["xdg-open", [url]];
  try {
    const child = spawn(command, args, { stdio: "ignore", detached: true });
    child.on("error", () =>
      log(`No browser could be opened (${command} is not available). Open ${url} yourself.`),
    );
    child.unref();
  } catch {
    log(`No browser could be opened. Open ${url} yourself.`);
  }
}
