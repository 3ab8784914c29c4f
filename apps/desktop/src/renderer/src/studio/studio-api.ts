/** The pod's studio REST API (docs/studio.md), with the same token as the WebSocket. */
import {
  DIALOGUE_EVENTS_PATH,
  type DialogueEvent,
  type DialogueJob,
  type DialogueLine,
  type LineTiming,
  type Speaker,
  type VoiceList,
  type VoiceSummary,
} from "@fireside/protocol";

import { PodRest, PodApiError as StudioApiError } from "../transport/pod-rest";

export type { DialogueJob as Job, LineTiming, VoiceQuality, VoiceSummary as Voice } from "@fireside/protocol";

export { StudioApiError };

export class StudioApi extends PodRest {
  /** The voices, whether the pod can clone and its default voice (the last two are absent from pods older than this app). */
  voices = () => this.call<Pick<VoiceList, "voices"> & Partial<VoiceList>>("/v1/voices");
  createVoice = (clip: Blob, name: string, language: string, transcript: string) =>
    this.call<VoiceSummary>(`/v1/voices?${new URLSearchParams({ name, language, transcript })}`, { method: "POST", body: clip });
  suggestTranscript = (clip: Blob, language: string) =>
    this.call<{ text: string }>(`/v1/voices/transcribe?language=${language}`, { method: "POST", body: clip });
  assess = (id: string) => this.call<VoiceSummary>(`/v1/voices/${id}/quality`, { method: "POST" });
  deleteVoice = (id: string) => this.call<void>(`/v1/voices/${id}`, { method: "DELETE" });
  /** A sample sentence in the voice (docs/studio.md); a profile the pod cannot speak plays its reference clip. */
  preview = async (voice: VoiceSummary): Promise<Blob> => {
    try {
      return await this.call<Blob>(`/v1/voices/${voice.id}/preview`);
    } catch (err) {
      if (voice.preset || !(err instanceof StudioApiError) || err.code !== "E_BAD_REQUEST") throw err;
      return this.call<Blob>(`/v1/voices/${voice.id}/audio`);
    }
  };
  render = (lines: DialogueLine[], voices: Partial<Record<Speaker, string>>) =>
    this.call<DialogueJob>("/v1/dialogues", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lines, voices }),
    });
  job = (id: string) => this.call<DialogueJob>(`/v1/dialogues/${id}`);

  /**
   * Follows a job to its final state, reporting each change. Progress is pushed over the events
   * WebSocket; if that socket cannot open or drops, the job is polled instead, so a flaky network
   * costs smoothness, never the result.
   */
  follow(id: string, onUpdate: (job: DialogueJob) => void): Promise<DialogueJob> {
    const final = (j: DialogueJob) => j.status !== "queued" && j.status !== "running";
    const poll = async (): Promise<DialogueJob> => {
      for (;;) {
        const j = await this.job(id);
        onUpdate(j);
        if (final(j)) return j;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    return new Promise((resolve, reject) => {
      const query = this.token ? `?token=${encodeURIComponent(this.token)}` : "";
      const ws = new WebSocket(`${this.base.replace(/^http/, "ws")}${DIALOGUE_EVENTS_PATH}${query}`);
      let settled = false;
      const settle = (j: DialogueJob) => {
        settled = true;
        ws.close();
        resolve(j);
      };
      ws.onmessage = (m) => {
        const event = JSON.parse(String(m.data)) as DialogueEvent;
        const j = event.type === "dialogue.jobs" ? event.jobs.find((x) => x.id === id) : event.type === "dialogue.job" ? event.job : null;
        if (event.type === "dialogue.removed" && event.id === id) {
          settled = true;
          ws.close();
          reject(new StudioApiError("E_NOT_FOUND", "the job was deleted"));
        } else if (j?.id === id) {
          onUpdate(j);
          if (final(j)) settle(j);
        }
      };
      ws.onclose = () => {
        if (!settled) poll().then(resolve, reject);
      };
    });
  }
  cancel = (id: string) => this.call<DialogueJob>(`/v1/dialogues/${id}/cancel`, { method: "POST" });
  timings = async (id: string) => (await this.call<{ lines: LineTiming[] }>(`/v1/dialogues/${id}/timings`)).lines;
  audio = (id: string) => this.call<Blob>(`/v1/dialogues/${id}/audio`);
}
