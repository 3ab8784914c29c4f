/** A reply as an object: its audio framed, paced and captioned; its status changed only by its methods, each once. */
import { decodeAudioFrame, pcmSamples, type ServerMessage } from "@fireside/protocol";
import { describe, expect, it } from "vitest";
import { Reply } from "../src/session/reply.js";

function reply(opts: { leadMs?: number } = {}) {
  const messages: ServerMessage[] = [];
  const frames: Uint8Array[] = [];
  const firstAudio: string[] = [];
  const r = new Reply(
    {
      id: "resp_t_1",
      streamId: 1,
      inReplyTo: "item_t_1",
      spoken: true,
      committedAt: Date.now(),
      metrics: {},
      output: { codec: "pcm_s16le", sampleRate: 24000, opusBitrate: 32_000, leadMs: opts.leadMs ?? 10_000 },
      onFirstAudio: (x) => firstAudio.push(x.id),
    },
    { send: (m) => messages.push(m), sendBinary: (b) => frames.push(b), backlog: () => 0, counted: () => {} },
  );
  return { r, messages, frames, firstAudio };
}

const second = (s: number) => new Float32Array(Math.round(24000 * s)).fill(0.1);

describe("reply", () => {
  it("frames its audio in 40 ms, announces the first frame once, captions each clause with its samples, and ends with a last frame", async () => {
    const { r, messages, frames, firstAudio } = reply();
    let start = r.position;
    r.capture(second(0.5));
    r.spoke("Hello there.", start);
    start = r.position;
    r.capture(second(0.25));
    r.spoke("Bye.", start);
    await r.flush();
    expect(firstAudio).toEqual(["resp_t_1"]);
    expect(messages.filter((m) => m.type === "response.audio.started")).toHaveLength(1);
    expect(messages.filter((m) => m.type === "response.caption")).toEqual([
      { type: "response.caption", responseId: "resp_t_1", text: "Hello there.", startSample: 0, endSample: 12000 },
      { type: "response.caption", responseId: "resp_t_1", text: "Bye.", startSample: 12000, endSample: 18000 },
    ]);
    const decoded = frames.map(decodeAudioFrame);
    // Every frame is 40 ms; the last one is padded with silence and marked last.
    expect(decoded.every((f) => pcmSamples(f).length === 960)).toBe(true);
    expect(decoded.at(-1)!.last).toBe(true);
    expect(r.samplesSent).toBe(19 * 960);
  });

  it("keeps what was heard: whole clauses played and the played share of the one cut", () => {
    const { r } = reply();
    r.capture(second(1));
    r.spoke("One two three four.", 0);
    r.capture(second(1));
    r.spoke("Five six seven eight.", 24000);
    expect(r.cutAt(36000)).toBe("One two three four. Five six");
    expect(r.playedMs).toBe(1500);
  });

  it("changes status only forward, each change once: a stopped reply cannot complete, a completed one is taken back or cut once", async () => {
    const stopped = reply().r;
    stopped.stop("interrupted");
    stopped.stop("cancelled");
    expect(stopped.status).toBe("interrupted");
    expect(stopped.abort.signal.aborted).toBe(true);
    expect(stopped.complete()).toBe(false);
    expect(stopped.takeBack()).toBe(false);
    expect(stopped.status).toBe("interrupted");

    const sent = reply().r;
    expect(sent.takeBack()).toBe(false); // still running: nothing sent in full to take back
    expect(sent.complete()).toBe(true);
    expect(sent.complete()).toBe(false);
    sent.stop("failed"); // no longer running: stop does nothing
    expect(sent.status).toBe("completed");
    expect(sent.interruptAfterSent()).toBe(true);
    expect(sent.takeBack()).toBe(false);
    expect(sent.status).toBe("interrupted");
  });

  it("a stop drops the audio not yet sent; what a vanished client can have played is at most what was sent", async () => {
    const { r, frames } = reply({ leadMs: 100 });
    r.capture(second(3));
    // The pacer sends ~100 ms ahead of real time: most of the 3 s is still queued when the user cuts in.
    r.stop("interrupted");
    await r.flush();
    expect(r.samplesSent).toBeLessThan(24000 * 3);
    expect(frames.length * 960).toBeGreaterThanOrEqual(r.samplesSent);
    expect(r.playedEstimate(Date.now() + 60_000)).toBe(r.samplesSent);
    expect(r.playedEstimate(r.firstSentAt)).toBe(0);
  });
});
