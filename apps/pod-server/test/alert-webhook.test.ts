/** The pod's own alert webhook: one POST per event and quiet period, and a receiver that fails is only logged. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { AlertWebhook } from "../src/metrics/alert-webhook.js";

async function receiver(status: number) {
  const got: unknown[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      got.push(JSON.parse(body));
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, close: () => server.close() };
}

describe("alert webhook", () => {
  it("posts each event once per quiet period, as JSON with a text a chat receiver shows", async () => {
    const r = await receiver(204);
    const logged: string[] = [];
    const hook = new AlertWebhook(r.url, (m) => logged.push(m));
    await hook.notify("storage_full", "disk full", { dataDir: "/data" });
    await hook.notify("storage_full", "disk full again");
    await hook.notify("degraded", "tts on piper");
    expect(r.got).toEqual([
      expect.objectContaining({ event: "storage_full", text: "disk full", details: { dataDir: "/data" } }),
      expect.objectContaining({ event: "degraded", text: "tts on piper" }),
    ]);
    expect(logged).toEqual([]);
    r.close();
  });

  it("logs a receiver that refuses or cannot be reached, and never throws", async () => {
    const r = await receiver(500);
    const logged: string[] = [];
    await new AlertWebhook(r.url, (m) => logged.push(m)).notify("degraded", "x");
    r.close();
    await new AlertWebhook("http://127.0.0.1:9/hook", (m) => logged.push(m)).notify("degraded", "x");
    expect(logged).toEqual(["alert webhook refused the event", "alert webhook unreachable"]);
  });
});
