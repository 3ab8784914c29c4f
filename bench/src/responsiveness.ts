/**
 * Event-loop responsiveness on the real pod (default CPU engines): while one session's reply is
 * synthesised, another session's JSON ping round trip. Anything computing on the event loop shows
 * up here as a stall.
 */
import { startPod } from "../../tests/support/pod-process.js";
import { RealtimeClient } from "../../tests/support/realtime-client.js";

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

async function open(url: string): Promise<RealtimeClient> {
  const client = await RealtimeClient.connect(url);
  await client.hello();
  return client;
}

export async function benchResponsiveness(turns = 3) {
  const pod = await startPod();
  try {
    const speaker = await open(pod.wsUrl);
    const pinger = await open(pod.wsUrl);
    let id = 0;
    // Each ping carries its send time; its pong's arrival time (recorded by the client) gives the round trip.
    const ping = setInterval(() => pinger.send({ type: "ping", id: ++id, t: performance.now() }), 25);
    for (let i = 0; i < turns; i++) {
      const from = speaker.messages.length;
      speaker.send({ type: "input.text", text: "Tell me a short story about a lighthouse keeper, in four sentences." });
      await speaker.waitFor("response.completed", { from, timeoutMs: 120_000 });
    }
    clearInterval(ping);
    speaker.close();
    pinger.close();
    const rtts = pinger.messages.flatMap(({ at, value }) => (value.type === "pong" ? [at - value.t] : []));
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
