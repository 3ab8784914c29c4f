/** Renders docs/protocol.md from the code, so the document cannot drift from the wire. */
import { AUDIO_HEADER_BYTES } from "./audio-frame.js";
import { ERROR_CODES } from "./errors.js";
import { clientMessageDocs, serverMessageDocs } from "./examples.js";
import { LIMITS, SAMPLE_RATES } from "./limits.js";
import { PROTOCOL_VERSION, REALTIME_PATH } from "./version.js";

const section = (docs: Record<string, { about: string; example: unknown }>) =>
  Object.entries(docs)
    .map(([type, d]) => `### \`${type}\`\n\n${d.about}\n\n\`\`\`json\n${JSON.stringify(d.example, null, 2)}\n\`\`\`\n`)
    .join("\n");

export function renderProtocolDoc(): string {
  const errors = Object.entries(ERROR_CODES)
    .map(([code, e]) => `| \`${code}\` | ${e.retryable ? "yes" : "no"} | ${e.summary} |`)
    .join("\n");
  return `<!-- Generated from packages/protocol/src by \`pnpm --filter @fireside/protocol docs\`. Do not edit by hand. -->
# Wire protocol \`${PROTOCOL_VERSION}\`

One WebSocket per conversation at \`${REALTIME_PATH}\`. Text frames carry JSON control messages;
binary frames carry audio. The schemas live in \`packages/protocol/src/messages.ts\` and are the only
definition of the wire; this page is generated from them.

## Connecting

1. The client opens the socket (the token may also go in an \`Authorization: Bearer\` header or the
   \`token\` query parameter, for browsers that cannot set headers).
2. The client sends \`session.hello\` with the versions it speaks. The server answers \`session.ready\` with
   the version chosen, or \`error\` \`E_PROTOCOL_VERSION\` / \`E_AUTH\` and closes.
3. Audio flows both ways as binary frames; control messages flow as JSON. Either side may \`ping\`.

A turn: input audio frames → (\`input.speech_started\`, \`input.speech_stopped\`) → \`input.committed\` →
\`transcript.partial\`* → \`transcript.final\` → \`response.created\` → \`response.text.delta\`* →
\`response.audio.started\` → output audio frames → \`response.audio.done\` → \`response.completed\` →
\`turn.metrics\`. A barge-in during the reply ends it early with \`response.interrupted\` and
\`response.completed\` (status \`interrupted\`).

## Binary audio frames

A ${AUDIO_HEADER_BYTES}-byte little-endian header, then mono samples:

| offset | size | field | meaning |
|---|---|---|---|
| 0 | 1 | kind | 1 = input audio (client → server), 2 = output audio (server → client) |
| 1 | 1 | codec | 1 = \`pcm_s16le\` |
| 2 | 2 | flags | bit 0: last frame of its stream; other bits must be 0 |
| 4 | 4 | streamId | input: the client's utterance counter; output: the response's \`streamId\` |
| 8 | 4 | seq | frame counter within the stream |
| 12 | 4 | sampleRate | Hz; one of ${SAMPLE_RATES.join(", ")}; must equal the negotiated rate |
| 16 | 4 | sampleOffset | index of the frame's first sample within its stream |
| 20 | … | payload | samples; at most ${LIMITS.maxAudioPayloadBytes} bytes |

Output audio is paced: the server keeps at most about one second of audio ahead of real time, so
that a barge-in silences the reply at once.

## Limits

- JSON text frames: at most ${LIMITS.maxTextFrameBytes} bytes.
- Audio payload per frame: at most ${LIMITS.maxAudioPayloadBytes} bytes.
- One utterance: at most ${LIMITS.maxUtteranceMs / 1000} s; the server commits on its own past that.

## Errors

\`error\` messages carry a stable code. The connection stays open unless the code is \`E_AUTH\` or
\`E_PROTOCOL_VERSION\`.

| code | retryable | meaning |
|---|---|---|
${errors}

## Client → server messages

${section(clientMessageDocs)}
## Server → client messages

${section(serverMessageDocs)}`;
}
