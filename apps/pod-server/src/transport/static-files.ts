/**
 * Serves the built web client (the desktop renderer) at `/`, read-only and inside its folder, and a
 * self-reloading "being built" page at `/` while the folder has no index.html yet. A path that
 * cannot be decoded is a ProtocolError (400), never an exception that escapes.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { ProtocolError } from "@fireside/protocol";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * Shown at `/` while the web client's folder has no index.html: `pnpm start` builds it while the
 * server already listens (and a rebuild empties the folder first). It reloads itself.
 */
const BUILDING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2"><title>Fireside: building…</title>
<style>body{font:16px system-ui,sans-serif;background:#16120f;color:#f1e6da;display:grid;place-items:center;height:100vh;margin:0}
main{max-width:32em;padding:16px}code{font-size:14px}</style></head>
<body><main><h1>Fireside's web client is being built</h1>
<p>This page reloads by itself when it is ready (about half a minute on a first start).</p>
<p>If the server runs on its own (not through <code>pnpm start</code>), build it with
<code>pnpm --filter @fireside/desktop build</code>.</p></main></body></html>
`;

export function staticFiles(dir: string): ((path: string, res: ServerResponse) => boolean) | null {
  if (!dir) return null;
  const root = resolve(dir);
  return (path, res) => {
    // Only the page itself is asked after: an asset request finds its file or not, as before.
    if ((path === "/" || path === "/index.html") && !existsSync(join(root, "index.html"))) {
      res.writeHead(503, { "Content-Type": TYPES[".html"]!, "Retry-After": "2", "Cache-Control": "no-store" });
      res.end(BUILDING_PAGE);
      return true;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(path === "/" ? "/index.html" : path);
    } catch {
      throw new ProtocolError("E_BAD_REQUEST", "malformed percent-encoding in the path");
    }
    if (decoded.includes("\0")) throw new ProtocolError("E_BAD_REQUEST", "NUL byte in the path");
    const rel = normalize(decoded).replace(/^([/\\])+/, "");
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return false;
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": file.endsWith("index.html") ? "no-cache" : "public, max-age=3600",
      "X-Content-Type-Options": "nosniff",
    });
    res.end(readFileSync(file));
    return true;
  };
}
