/** The session.hello a client sends, with the protocol's defaults filled in: PCM both ways, 16 kHz up, 24 kHz down. */
import { type ClientMessageOf, PROTOCOL_VERSION } from "@fireside/protocol";

export type Hello = ClientMessageOf<"session.hello">;
export type HelloOptions = Partial<Omit<Hello, "type">>;

export function helloMessage(over: HelloOptions = {}): Hello {
  return {
    type: "session.hello",
    protocols: [PROTOCOL_VERSION],
    audio: { input: { codec: "pcm_s16le", sampleRate: 16000 }, output: { codec: "pcm_s16le", sampleRate: 24000 } },
    ...over,
  };
}
