/** Per-turn stage latencies as a live bar chart, plus connection, playback and pod health. */
import { useApp } from "../store/app-store";

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
  const playback = useApp((s) => s.playback);
  const health = useApp((s) => s.health);
  const server = useApp((s) => s.server);
  const max = Math.max(1000, ...latencies.flatMap((l) => STAGES.map((s) => l[s.key] ?? 0)));
  return (
    <section className="dashboard" aria-label="Latency dashboard">
      <h2>Latency per turn (ms)</h2>
      <div className="chart" data-testid="latency-chart">
        {latencies.length === 0 && <p className="hint">No turns yet.</p>}
        {latencies.map((l, i) => (
          <div key={l.responseId} className="chart-turn" data-testid="latency-turn">
            <span className="chart-title">Turn {i + 1}</span>
            {STAGES.map((s) => {
              const v = l[s.key];
              return v === undefined ? null : (
                <div key={s.key} className="chart-row" data-stage={s.key}>
                  <span className="chart-label">{s.label}</span>
                  <span className="chart-bar" style={{ width: `${(v / max) * 100}%`, background: s.color }} />
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
              ? "ready"
              : health.loading
                ? `loading its models${health.progress ? ` (${health.progress})` : ""}`
                : "not answering"
            : "—"}
        </dd>
        <dt>GPU</dt>
        <dd>{health?.gpu ? `${health.gpu.utilisation}% · ${health.gpu.memoryMiB} MiB` : "not reported"}</dd>
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
