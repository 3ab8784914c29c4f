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

1. The client opens the socket. The token may go in an \`Authorization: Bearer\` header (the scheme in
   any case), the \`token\` query parameter (browsers cannot set headers), or \`session.hello\`. A wrong
   token at the upgrade is refused with HTTP 401.
2. The client sends \`session.hello\` with the versions it speaks, within the hello deadline
   (\`FIRESIDE_HELLO_TIMEOUT_MS\`, default 5 s; else \`error\` \`E_HELLO_TIMEOUT\` and close 4408). The server
   answers \`session.ready\` with the version chosen, or an \`error\`: \`E_AUTH\` (close 4401),
   \`E_PROTOCOL_VERSION\` (close 4400), \`E_BUSY\` when every session slot is taken (close 1013), or
   \`E_BAD_MESSAGE\` for a \`voice\` the pod does not have (the message names the pod's voices; the socket
   stays open and \`session.hello\` may be sent again). A session slot is taken only by an accepted hello.
3. Audio flows both ways as binary frames; control messages flow as JSON. Either side may \`ping\`.

Before the upgrade the server applies its guards, per client address: at most
\`FIRESIDE_MAX_PENDING_PER_ADDRESS\` (default 8) sockets waiting for their hello (more: HTTP 429), and
\`FIRESIDE_MAX_PENDING\` (256) from everyone (more: HTTP 503); after \`FIRESIDE_AUTH_FAILURES\` (10) wrong
or missing tokens within \`FIRESIDE_AUTH_BLOCK_S\` (600 s) the address is refused for that long (HTTP 429
with \`Retry-After\`, whatever token it sends); past \`FIRESIDE_RATE_CONNECT_PER_MIN\` (60) connects a
minute the socket opens only to receive \`error\` \`E_RATE_LIMITED\` with \`retryAfterMs\` and close 4429.

| close code | meaning |
|---|---|
| 1000 / 1001 | normal close / server shutting down |
| 1009 | a frame over 1 MiB |
| 1013 | \`E_BUSY\`: models still loading, or every session slot taken |
| 4400 | \`E_PROTOCOL_VERSION\` |
| 4401 | \`E_AUTH\` |
| 4408 | \`E_HELLO_TIMEOUT\` |
| 4409 | the session was resumed on another connection (this one is superseded) |
| 4429 | \`E_RATE_LIMITED\` |

## Resume and stored conversations

Every \`session.ready\` carries a \`resumeToken\` and \`resumeGraceMs\` (\`FIRESIDE_RESUME_GRACE_MS\`, default
120 s). After a dropped connection the client opens a new socket and sends \`session.hello\` with
\`resume\` set to the token: within the grace window it gets the same session back (\`resumed: true\`,
the same \`sessionId\` and \`conversationId\`, its voice, persona, language and turn detection unless
the new hello names others) and a new token (each token works once). If the old socket is still open
(the server has not noticed the drop yet), it is closed with 4409. A reply that was running when the
connection dropped is stopped, and only what the client can have played by then (real time since
its first frame) stays in the conversation. An unknown or expired token is not an error: the
session starts afresh (\`resumed: false\`).

Every turn is stored on the pod as it ends (the user's words; the reply as far as it was heard,
with its status), so a conversation outlives the window and a pod restart: \`session.hello\` with
\`conversationId\` continues it (its stored turns become the LLM's history; an unknown id is
\`E_BAD_MESSAGE\`). Conversations are listed, read, renamed, exported and deleted over REST
(docs/studio.md, \`/v1/conversations\`). Item and response ids are unique across sessions.

An interrupt (\`response.interrupt\`) for a reply the client already played to its end changes
nothing: the reply stays completed and whole. Voice-to-voice (\`client.metrics\`) is counted only for
spoken turns.

A turn: input audio frames → (\`input.speech_started\`, \`input.speech_stopped\`) → \`input.committed\` →
\`transcript.partial\`* → \`transcript.final\` → \`response.created\` → \`response.text.delta\`* →
\`response.audio.started\` → output audio frames → \`response.audio.done\` → \`response.completed\` →
\`turn.metrics\`. A barge-in during the reply ends it early with \`response.interrupted\` and
\`response.completed\` (status \`interrupted\`).

**Sounds during a reply** (\`server_vad\`). When the pod's VAD hears a voice while a reply plays
(running, or sent in full and still playing out at the client), the pod sends \`response.paused\`
at once — 96 ms into the voice, before it is sure it is speech — and stops sending that reply's
audio: pause playback where it is and keep what is buffered. A voice that fades before
\`minSpeechMs\` (a click, a knock) resumes the reply (\`noise\`). Speech is judged: voice that lasts
longer than 1.2 s is a barge-in; otherwise its words decide, at its first pause and at its end
(which comes after 300 ms of silence while it is judged, end-of-turn rule \`voice_over_reply\`):
no words (a cough, a laugh) is a noise; two or more words that run on in the reply's own text are
its echo (the speaker heard by the microphone); only backchannels ("mm-hm", "yeah", "right",
"okay", "uh-huh", "I see", and their like in the session's language) is a backchannel; a word that
asks for the floor ("stop", "wait", "no", "sorry", "what"…) is a barge-in however short; two or
more other words are a barge-in once the voice has lasted 700 ms, fewer or sooner a noise (Whisper
spells a short hum as a word or two). A sound dismissed just before a barge-in is the barge-in's beginning ("Stop, … tell
me"): its words lead the turn. A
barge-in ends the reply with \`response.interrupted\` (\`playedSamples\`: where it paused, or what
the client's \`response.interrupt\` said) and the voice becomes the next turn, its first word kept.
A backchannel, a noise or an echo gets \`response.resumed\` (\`reason\`, \`pausedMs\`): play on from where
it paused; the pod sends the rest, and the sound is no turn (no \`input.committed\`). A client
that ignores \`response.paused\` hears its buffer play out and a gap until the reply resumes. A
client that runs its own VAD may still send \`response.interrupt\` at once: that is a barge-in
whatever the sound was. Under \`client_vad\` the client decides, as before.

Turn-taking (\`turnDetection\` in \`session.hello\`). **How a turn ends** under \`server_vad\`: at
each pause (128 ms of silence) two judges look at the utterance so far — the pod's end-of-turn
model on the audio (Smart Turn v3.2 where the pod runs one: \`FIRESIDE_TURN_MODEL\`, by default on
GPU pods and machines with 8+ cores; its verdict lands within a few hundred ms) and the transcript the pod makes at the pause — and the pause ends
the turn after the silence the first matching rule calls for: (1) the words cannot end a sentence
("and", "the", "um"): \`unfinishedSilenceMs\` (default 2000); (2) the audio sounds finished
(probability ≥ 0.5): \`finishedSilenceMs\` (default 300), without waiting for the transcript;
(3) the audio sounds unfinished but the words read finished: \`silenceMs\` (default 600);
(4) the audio sounds unfinished and the words are not in yet or unclear: \`unfinishedSilenceMs\`;
(5) no model verdict (off, or it failed): finished words \`finishedSilenceMs\`, else \`silenceMs\`;
(6) nothing in yet while the model works: \`unfinishedSilenceMs\`, so the model's verdict always
counts (on a busy pod a slow verdict costs time rather than cutting a sentence). Each judge that
lands remakes the decision; voice coming back makes it a new pause. \`turn.metrics.endOfTurn\` says
which rule ended the turn (\`audio_finished\`, \`audio_unfinished\`, \`audio_unsure_words_finished\`,
\`words_finished\`, \`words_unfinished\`, \`silence\`, \`no_verdict\`, or \`voice_over_reply\` for a voice that
paused a reply and was judged a barge-in at its end), the wait it called for, and the model's
probability and time. Under
\`client_vad\` the client's \`input.audio.commit\` ends it. Either way, speech (the client's
\`input.speech_started\`, or the server's VAD) within the pod's continuation window (default 1.5 s)
after a commit, before its reply could be heard (its first frame sent less than 500 ms before
the voice came back, and no \`response.interrupt\` reporting more than 500 ms of it played),
continues that utterance: the reply to the
first part ends with \`response.completed\` (status \`cancelled\`, text ""), or, when that reply was
short enough to have been sent in full already, is taken back with \`response.interrupted\`
(\`playedSamples\` 0, \`heardText\` "": stop playing it; it is stored as cancelled), and the next
\`input.committed\` and \`transcript.final\` carry the same \`itemId\` with the whole utterance's
text, which replaces the first part's. Later speech is a barge-in. The server's VAD judges both from
when the voice came back, not from when it confirmed it (\`minSpeechMs\` later), so a reply that
started in between was not heard.

## Binary audio frames

A ${AUDIO_HEADER_BYTES}-byte little-endian header, then mono samples:

| offset | size | field | meaning |
|---|---|---|---|
| 0 | 1 | kind | 1 = input audio (client → server), 2 = output audio (server → client) |
| 1 | 1 | codec | 1 = \`pcm_s16le\`, 2 = \`opus\` (the payload is one Opus packet) |
| 2 | 2 | flags | bit 0: last frame of its stream; other bits must be 0 |
| 4 | 4 | streamId | input: the client's utterance counter; output: the response's \`streamId\` |
| 8 | 4 | seq | frame counter within the stream |
| 12 | 4 | sampleRate | Hz; one of ${SAMPLE_RATES.join(", ")}; must equal the negotiated rate |
| 16 | 4 | sampleOffset | index of the frame's first sample within its stream |
| 20 | … | payload | samples; at most ${LIMITS.maxAudioPayloadBytes} bytes |

**Codecs.** Each direction's codec is negotiated in \`session.hello\` (\`audio.input.codec\`,
\`audio.output.codec\`) and echoed in \`session.ready\`; \`capabilities.codecs\` lists what the pod
speaks. \`pcm_s16le\` works at every protocol rate. \`opus\` needs a rate Opus codes at (8000,
12000, 16000, 24000 or 48000 Hz): each frame's payload is one Opus packet of 2.5–60 ms, mono, and
\`sampleOffset\` still counts samples, so receivers measure loss and jitter the same way. A frame in
another codec than the negotiated one, or an Opus packet that does not decode, is refused
(\`E_AUDIO_FORMAT\`, \`E_BAD_FRAME\`) and the session stays open. The pod sends 40 ms Opus packets at
\`FIRESIDE_OPUS_BITRATE\` (32 kbit/s by default; a reply's last packet is padded with silence to a
whole Opus frame). Measured with the frame headers, over three spoken questions (tests/e2e/opus.test.ts):
uplink 24 kbit/s (20 ms packets at 24 kbit/s; PCM at 16 kHz: 264), downlink 32 kbit/s (PCM at 24 kHz: 388).

Output audio is paced: the server keeps at most about one second of audio ahead of real time, so
that a barge-in silences the reply at once.

## Limits

- JSON text frames: at most ${LIMITS.maxTextFrameBytes} bytes, valid UTF-8 (else \`E_FRAME_TOO_LARGE\` /
  \`E_BAD_JSON\`; the session stays open).
- Audio payload per frame: at most ${LIMITS.maxAudioPayloadBytes} bytes.
- One utterance: at most ${LIMITS.maxUtteranceMs / 1000} s; the server commits on its own past that.
- Audio waiting for the server's VAD: at most ${LIMITS.maxVadBacklogMs / 1000} s per session (an utterance sent faster
  than real time is heard whole). A pod that falls that far behind hearing a speaker (past its
  capacity) drops the audio that comes on top and says so once with
  \`E_BUSY\` (the session stays open; audio is heard again once the VAD has caught up).
- \`input.text\`: at most ${LIMITS.maxInputTextChars} characters.
- Turns: one runs at a time per session and at most ${LIMITS.maxWaitingTurns} more wait behind it; a commit or
  \`input.text\` beyond that gets \`E_BUSY\` (retryable) and is dropped.
- A committed utterance in which the server's VAD heard no voice (silence, noise) gets \`E_NO_SPEECH\`
  without being transcribed or answered; so does one whose transcript is only a known Whisper
  silence hallucination ("[BLANK_AUDIO]", "Thanks for watching!", or a lone "you" with almost no voice).

## Errors

\`error\` messages carry a stable code. The connection stays open unless the code is \`E_AUTH\`,
\`E_PROTOCOL_VERSION\`, \`E_HELLO_TIMEOUT\`, \`E_RATE_LIMITED\` or an \`E_BUSY\` answering \`session.hello\`.
\`E_RATE_LIMITED\` carries \`retryAfterMs\`. The same codes answer the REST API (docs/studio.md).

| code | retryable | meaning |
|---|---|---|
${errors}

## Client → server messages

${section(clientMessageDocs)}
## Server → client messages

${section(serverMessageDocs)}`;
}
