/**
 * Stored conversations under /v1/conversations (same token and guards as the studio): list, read,
 * rename, export as Markdown or JSON, delete. A conversation is continued by naming it in
 * `session.hello.conversationId`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ProtocolError } from "@fireside/protocol";
import type { AuditLog } from "../audit/audit-log.js";
import { type ConversationStore, conversationMarkdown } from "../store/conversations.js";
import { readJsonObject, sendJson } from "./http-json.js";

export function conversationRoutes(deps: { conversations: ConversationStore; audit: AuditLog }) {
  const { conversations, audit } = deps;
  return async (req: IncomingMessage, res: ServerResponse, url: URL, address: string): Promise<void> => {
    const [, , id, action, extra] = url.pathname.split("/").filter(Boolean); // v1, conversations, id?, action?
    const method = req.method ?? "GET";
    if (extra !== undefined) throw new ProtocolError("E_BAD_REQUEST", `${method} ${url.pathname} is not an endpoint`);
    if (!id && method === "GET") return sendJson(res, 200, { conversations: await conversations.list() });
    if (id && !action && method === "GET") return sendJson(res, 200, await conversations.get(id));
    if (id && !action && method === "PATCH") {
      const body = await readJsonObject(req, 64 * 1024, "{ title }");
      const renamed = await conversations.rename(id, body.title);
      audit.record("conversation.renamed", "ok", { address, conversation: id, title: renamed.title });
      return sendJson(res, 200, renamed);
    }
    if (id && !action && method === "DELETE") {
      await conversations.delete(id);
      audit.record("conversation.deleted", "ok", { address, conversation: id });
      res.writeHead(204).end();
      return;
    }
    if (id && action === "export" && method === "GET") {
      const c = await conversations.get(id);
      const format = url.searchParams.get("format") ?? "md";
      if (format !== "md" && format !== "json") throw new ProtocolError("E_BAD_REQUEST", "format must be md or json");
      const body = format === "md" ? conversationMarkdown(c) : JSON.stringify(c, null, 2);
      res
        .writeHead(200, {
          "Content-Type": format === "md" ? "text/markdown; charset=utf-8" : "application/json",
          "Content-Disposition": `attachment; filename="${c.id}.${format}"`,
        })
        .end(body);
      return;
    }
    throw new ProtocolError("E_BAD_REQUEST", `${method} ${url.pathname} is not an endpoint`);
  };
}
