/** The pod's studio REST API (docs/studio.md), with the same token as the WebSocket. */
import type { DialogueJob, DialogueLine, LineTiming, Speaker, VoiceSummary } from "@fireside/protocol";

export type { DialogueJob as Job, LineTiming, VoiceQuality, VoiceSummary as Voice } from "@fireside/protocol";

export class StudioApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class StudioApi {
  private readonly base: string;
  constructor(
    podUrl: string,
    private readonly token: string,
  ) {
    this.base = podUrl.replace(/^ws/, "http").replace(/\/v1\/realtime.*$/, "");
  }

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...init.headers },
    });
    if (res.status === 204) return undefined as T;
    const type = res.headers.get("content-type") ?? "";
    if (!res.ok) {
      const body = type.includes("json") ? ((await res.json()) as { error?: { code: string; message: string } }) : {};
      throw new StudioApiError(body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? `the pod answered ${res.status}`);
    }
    return (type.includes("json") ? res.json() : res.blob()) as Promise<T>;
  }

  voices = async () => (await this.call<{ voices: VoiceSummary[] }>("/v1/voices")).voices;
  createVoice = (clip: Blob, name: string, language: string, transcript: string) =>
    this.call<VoiceSummary>(`/v1/voices?${new URLSearchParams({ name, language, transcript })}`, { method: "POST", body: clip });
  suggestTranscript = (clip: Blob, language: string) =>
    this.call<{ text: string }>(`/v1/voices/transcribe?language=${language}`, { method: "POST", body: clip });
  assess = (id: string) => this.call<VoiceSummary>(`/v1/voices/${id}/quality`, { method: "POST" });
  deleteVoice = (id: string) => this.call<void>(`/v1/voices/${id}`, { method: "DELETE" });
  render = (lines: DialogueLine[], voices: Partial<Record<Speaker, string>>) =>
    this.call<DialogueJob>("/v1/dialogues", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ lines, voices }),
    });
  job = (id: string) => this.call<DialogueJob>(`/v1/dialogues/${id}`);
  cancel = (id: string) => this.call<DialogueJob>(`/v1/dialogues/${id}/cancel`, { method: "POST" });
  timings = async (id: string) => (await this.call<{ lines: LineTiming[] }>(`/v1/dialogues/${id}/timings`)).lines;
  audio = (id: string) => this.call<Blob>(`/v1/dialogues/${id}/audio`);
}
