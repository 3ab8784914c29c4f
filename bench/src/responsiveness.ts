/**
 * Event-loop responsiveness on the real pod (default CPU engines): while one session's reply is
 * synthesised, another session's JSON ping round trip. Anything computing on the event loop shows
 * up here as a stall.
 */
import { PROTOCOL_VERSION } from "@fireside/protocol";
import WebSocket from "ws";
import { startPod } from "../../tests/support/pod-process.js";

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => {
      ws.send(
        JSON.stringify({
          type: "session.hello",
          protocols: [PROTOCOL_VERSION],
          audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
        }),
      );
    });
    ws.on("message", (d, binary) => {
      if (!binary && JSON.parse(d.toString()).type === "session.ready") resolve(ws);
    });
    ws.once("error", reject);
  });
}

export async function benchResponsiveness(turns = 3) {
  const pod = await startPod();
  try {
    const speaker = await open(pod.wsUrl);
    const pinger = await open(pod.wsUrl);
    const rtts: number[] = [];
    let sentAt = 0;
    pinger.on("message", (d, binary) => {
      if (!binary && JSON.parse(d.toString()).type === "pong") rtts.push(performance.now() - sentAt);
    });
    const ping = setInterval(() => {
      sentAt = performance.now();
      pinger.send(JSON.stringify({ type: "ping", id: 1, t: 1 }));
    }, 25);
    for (let i = 0; i < turns; i++) {
      await new Promise<void>((resolve) => {
        const onMessage = (d: WebSocket.RawData, binary: boolean) => {
          if (!binary && JSON.parse(d.toString()).type === "response.completed") {
            speaker.off("message", onMessage);
            resolve();
          }
        };
        speaker.on("message", onMessage);
        speaker.send(JSON.stringify({ type: "input.text", text: "Tell me a short story about a lighthouse keeper, in four sentences." }));
      });
    }
    clearInterval(ping);
    speaker.close();
    pinger.close();
    return {
      what: "another session's ping round trip while one session's replies are synthesised (Piper, SmolLM2), ms",
      pings: rtts.length,
      p50: Math.round(quantile(rtts, 0.5) * 10) / 10,
      p99: Math.round(quantile(rtts, 0.99) * 10) / 10,
      max: Math.round(Math.max(...rtts) * 10) / 10,
    };
  } finally {
    await pod.stop();
  }
}
