/**
 * Serves the built web client (the desktop renderer) at `/`, read-only and inside its folder. A
 * path that cannot be decoded is a ProtocolError (400), never an exception that escapes.
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

export function staticFiles(dir: string): ((path: string, res: ServerResponse) => boolean) | null {
  if (!dir || !existsSync(join(dir, "index.html"))) return null;
  const root = resolve(dir);
  return (path, res) => {
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
