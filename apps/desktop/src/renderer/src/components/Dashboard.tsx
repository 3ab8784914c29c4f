/**
 * Per-turn stage latencies as a live bar chart (the newest turns; bars scaled to the typical turn
 * so one slow turn does not flatten the rest), voice-to-voice over the session as a line, plus
 * connection, playback and pod health; per turn, the pod's end-of-turn rule and the sounds it
 * played on through. It lives in the Details panel, closed by default.
 */
import { type GpuPoint, type TurnLatency, useApp } from "../store/app-store";

/** Turns shown in detail; the line chart covers all of them. */
const DETAILED_TURNS = 4;

const STAGES = [
  { key: "endOfTurnMs", label: "last word → turn ends", color: "#b8a27a" },
  { key: "asrMs", label: "speech end → transcript", color: "#e0a458" },
  { key: "llmFirstTokenMs", label: "→ first token", color: "#c97b4a" },
  { key: "ttsFirstAudioMs", label: "→ first audio (TTS)", color: "#9c5b3b" },
  { key: "firstAudioSentMs", label: "commit → first frame sent", color: "#6f8f72" },
  { key: "voiceToVoiceMs", label: "last word → reply heard", color: "#4f7a9a" },
] as const;

export function Dashboard() {
  const latencies = useApp((s) => s.latencies);
  const rtt = useApp((s) => s.rttMs);
  const link = useApp((s) => s.link);
  const playback = useApp((s) => s.playback);
  const health = useApp((s) => s.health);
  const gpu = useApp((s) => s.gpuHistory);
  const server = useApp((s) => s.server);
  const scale = typicalMax(latencies.flatMap((l) => STAGES.map((s) => l[s.key] ?? 0)));
  const first = Math.max(0, latencies.length - DETAILED_TURNS);
  return (
    <section className="dashboard" aria-label="Latency and connection">
      <h2 className="panel-title">Latency and connection</h2>
      <VoiceToVoiceLine values={latencies.map((l) => l.voiceToVoiceMs)} />
      <GpuLines points={gpu} />
      <div className="chart" data-testid="latency-chart">
        {latencies.length === 0 && <p className="hint">No turns yet.</p>}
        {latencies.slice(first).map((l, i) => (
          <div key={l.responseId} className="chart-turn" data-testid="latency-turn">
            <span className="chart-title">
              Turn {first + i + 1} (ms)
              <TurnNotes latency={l} />
            </span>
            {STAGES.map((s) => {
              const v = l[s.key];
              return v === undefined ? null : (
                <div key={s.key} className="chart-row" data-stage={s.key}>
                  <span className="chart-label">{s.label}</span>
                  <span
                    className={`chart-bar ${v > scale ? "over" : ""}`}
                    style={{ width: `${Math.min(1, v / scale) * 100}%`, background: s.color }}
                  />
                  <span className="chart-value">{Math.round(v)}</span>
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <dl className="stats">
        <dt>Round trip</dt>
        <dd data-testid="rtt">{rtt === null ? "—" : `${rtt} ms`}</dd>
        <dt>Audio codec</dt>
        <dd data-testid="codec">{link ? `${link.codec.input} up · ${link.codec.output} down · ${link.kbpsIn} kbit/s in` : "—"}</dd>
        <dt>Network jitter</dt>
        <dd data-testid="jitter">{link ? `${link.jitterMs} ms` : "—"}</dd>
        <dt>Lost frames</dt>
        <dd data-testid="lost">{link ? link.lostFrames : "—"}</dd>
        <dt>Jitter buffer</dt>
        <dd data-testid="buffer">{playback.bufferedMs} ms</dd>
        <dt>Underruns</dt>
        <dd data-testid="underruns">{playback.underruns}</dd>
        <dt>Played (last reply)</dt>
        <dd data-testid="played">{playback.playedMs} ms</dd>
        <dt>Pod</dt>
        <dd data-testid="pod-health">
          {health
            ? health.ok
              ? health.degraded
                ? `ready, degraded: ${health.degraded.join("; ")}`
                : "ready"
              : health.loading
                ? `loading its models${health.progress ? ` (${health.progress})` : ""}`
                : "not answering"
            : "—"}
        </dd>
        <dt>GPU</dt>
        <dd data-testid="gpu">{gpu.length ? gpuNow(gpu.at(-1)!) : "not reported (no GPU, or no nvidia-smi on the pod)"}</dd>
        <dt>Engines</dt>
        <dd className="engines">
          {server
            ? Object.entries(server.capabilities.engines)
                .map(([k, e]) => `${k}: ${e.name} (${e.model}, ${e.device})`)
                .join(" · ")
            : "—"}
        </dd>
      </dl>
    </section>
  );
}

/** Why the pod ended the turn when it did, and the sounds it played on through (server VAD). */
function TurnNotes({ latency }: { latency: TurnLatency }) {
  const e = latency.endOfTurn;
  const notes = [
    e
      ? `ended by ${e.rule.replaceAll("_", " ")} (${e.waitMs} ms${e.probability !== undefined ? `, model ${e.probability.toFixed(2)}` : ""})`
      : null,
    latency.resumes ? `played on through ${latency.resumes === 1 ? "a sound" : `${latency.resumes} sounds`}` : null,
  ].filter(Boolean);
  return notes.length ? <span className="chart-notes" data-testid="turn-notes">{` · ${notes.join(" · ")}`}</span> : null;
}

/** The bar scale: the 90th percentile of the values (at least 1 s), so an outlier runs off the end instead of squashing every other bar. */
export function typicalMax(values: number[]): number {
  const xs = values.filter((v) => v > 0).sort((a, b) => a - b);
  if (!xs.length) return 1000;
  return Math.max(1000, xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!);
}

const gib = (mib: number) => (mib / 1024).toFixed(1);

export function gpuNow(p: GpuPoint): string {
  return `${p.utilisation}% busy · ${gib(p.memoryMiB)} of ${gib(p.memoryTotalMiB)} GiB`;
}

/** The pod's GPU over the last minutes: utilisation and memory in use, both as % of the whole. */
function GpuLines({ points }: { points: GpuPoint[] }) {
  if (points.length < 2) return null;
  const w = 240;
  const h = 48;
  const t0 = points[0]!.at;
  const span = Math.max(1, points.at(-1)!.at - t0);
  const x = (p: GpuPoint) => ((p.at - t0) / span) * (w - 8) + 4;
  const y = (percent: number) => h - 4 - (Math.min(100, Math.max(0, percent)) / 100) * (h - 8);
  const line = (value: (p: GpuPoint) => number) => points.map((p) => `${x(p)},${y(value(p))}`).join(" ");
  const minutes = Math.max(1, Math.round(span / 60_000));
  return (
    <figure className="gpu-lines" data-testid="gpu-lines">
      <figcaption>
        GPU over the last {minutes} min: <span className="key busy">busy</span> <span className="key memory">memory</span> — now{" "}
        {gpuNow(points.at(-1)!)}
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" height={h} role="img" aria-label="GPU utilisation and memory over time">
        <polyline fill="none" stroke="var(--accent)" strokeWidth="2" points={line((p) => p.utilisation)} />
        <polyline
          fill="none"
          stroke="var(--muted)"
          strokeWidth="2"
          strokeDasharray="4 3"
          points={line((p) => (p.memoryMiB / p.memoryTotalMiB) * 100)}
        />
      </svg>
    </figure>
  );
}

/** Voice-to-voice per spoken turn as a small line chart (typed turns have none). */
function VoiceToVoiceLine({ values }: { values: (number | undefined)[] }) {
  const points = values.flatMap((v, i) => (v === undefined ? [] : [{ i, v }]));
  if (points.length < 2) return null;
  const w = 240;
  const h = 48;
  const top = Math.max(...points.map((p) => p.v), 1000);
  const x = (i: number) => (values.length <= 1 ? 0 : (i / (values.length - 1)) * (w - 8) + 4);
  const y = (v: number) => h - 4 - (v / top) * (h - 8);
  const last = points.at(-1)!;
  return (
    <figure className="v2v-line" data-testid="v2v-line">
      <figcaption>
        Voice-to-voice over {points.length} turns: last {Math.round(last.v)} ms
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" height={h} role="img" aria-label="Voice-to-voice per turn">
        <polyline fill="none" stroke="var(--accent)" strokeWidth="2" points={points.map((p) => `${x(p.i)},${y(p.v)}`).join(" ")} />
        {points.map((p) => (
          <circle key={p.i} cx={x(p.i)} cy={y(p.v)} r="2.5" fill="var(--accent)" />
        ))}
      </svg>
    </figure>
  );
}
