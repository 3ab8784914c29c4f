/**
 * Settings in plain language: each field says when a change applies, a bad value is explained in
 * a sentence next to its field and is not kept (the saved setting stays as it was).
 */
import { type ReactNode, useEffect, useState } from "react";
import { checkSetting, correctPodUrl, type Settings } from "../../../shared/settings";
import { useApp } from "../store/app-store";
import { testConnection } from "../transport/pod-probe";
import { FormField } from "./FormField";

/** Sensitivity in words: the VAD's speech threshold, where a lower threshold hears quieter speech. */
function sensitivityWord(threshold: number): string {
  return threshold <= 0.35 ? "high" : threshold >= 0.7 ? "low" : "medium";
}

const NO_VOICES: { id: string; name: string; language: string }[] = [];
const NOW = "Applies now.";
const NEXT = "Applies to the next conversation.";

export function SettingsPanel({
  onSave,
  token,
  onToken,
}: {
  onSave: (patch: Partial<Settings>) => void;
  token: string;
  onToken: (t: string) => void;
}) {
  const settings = useApp((s) => s.settings);
  // A constant fallback: a new [] on every read would make zustand re-render forever (React error #185).
  const voices = useApp((s) => s.server?.capabilities.voices ?? NO_VOICES);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [tok, setTok] = useState(token);
  const [tested, setTested] = useState<"testing" | { ok: boolean; text: string } | null>(null);
  useEffect(() => {
    navigator.mediaDevices
      ?.enumerateDevices()
      .then(setDevices)
      .catch(() => {});
  }, []);
  useEffect(() => {
    setTok(token);
  }, [token]);
  const [errors, setErrors] = useState<Partial<Record<keyof Settings, string>>>({});
  const field = <K extends keyof Settings>(k: K, v: Settings[K]) => {
    const problem = checkSetting(k, v);
    setErrors((e) => ({ ...e, [k]: problem ?? undefined }));
    if (!problem) onSave({ [k]: v } as Partial<Settings>);
  };
  /** A row for setting `k`: its label, its control, and when a change applies (or why a value was refused). */
  const row = (k: keyof Settings, label: ReactNode, applies: string, control: ReactNode) => (
    <FormField name={k} label={label} applies={applies} error={errors[k]}>
      {control}
    </FormField>
  );
  return (
    <section className="settings" aria-label="Settings">
      <h2>Settings</h2>
      {row(
        "podUrl",
        "Pod URL",
        NEXT,
        <input
          defaultValue={settings.podUrl}
          key={settings.podUrl}
          onBlur={(e) => {
            // "host:port" or an http:// address is what people paste: correct it where the intent is clear.
            const url = correctPodUrl(e.target.value);
            e.target.value = url;
            field("podUrl", url);
          }}
          aria-label="Pod URL"
          aria-invalid={!!errors.podUrl}
        />,
      )}
      <FormField name="token" label="Token" applies={NEXT}>
        <input type="password" value={tok} onChange={(e) => setTok(e.target.value)} onBlur={() => onToken(tok)} aria-label="Token" />
      </FormField>
      <button
        type="button"
        disabled={tested === "testing"}
        onClick={() => {
          setTested("testing");
          void testConnection(settings.podUrl, tok).then(setTested);
        }}
      >
        Test connection
      </button>
      {tested && (
        <p
          className={`test-result ${tested !== "testing" && !tested.ok ? "field-error" : "field-note"}`}
          role="status"
          data-testid="test-result"
        >
          {tested === "testing" ? "Asking the pod…" : tested.text}
        </p>
      )}
      {row(
        "mode",
        "Mode",
        NOW,
        <select value={settings.mode} onChange={(e) => field("mode", e.target.value as Settings["mode"])}>
          <option value="hands-free">Hands-free</option>
          <option value="push-to-talk">Push-to-talk (hold Space)</option>
        </select>,
      )}
      {row(
        "turnTaking",
        "Turn-taking (hands-free)",
        `The pod hears pauses, fillers, coughs and "mm-hm" while it talks; the app alone interrupts at any voice. ${NEXT}`,
        <select value={settings.turnTaking} onChange={(e) => field("turnTaking", e.target.value as Settings["turnTaking"])}>
          <option value="pod">The pod decides</option>
          <option value="app">This app decides</option>
        </select>,
      )}
      {/* Right is more sensitive (hears quieter speech, and more noise): the slider is the inverse of the threshold. */}
      {row(
        "vadThreshold",
        `Sensitivity: ${sensitivityWord(settings.vadThreshold)}`,
        `Higher hears quieter speech, and more background noise. ${NOW}`,
        <input
          type="range"
          min="0.2"
          max="0.9"
          step="0.05"
          value={1.1 - settings.vadThreshold}
          aria-valuetext={`${sensitivityWord(settings.vadThreshold)} sensitivity`}
          onChange={(e) => field("vadThreshold", Math.round((1.1 - Number(e.target.value)) * 100) / 100)}
        />,
      )}
      {row(
        "minSilenceMs",
        `Minimum silence (${settings.minSilenceMs} ms)`,
        `How long a pause ends your turn. ${NOW}`,
        <input
          type="range"
          min="200"
          max="2000"
          step="50"
          value={settings.minSilenceMs}
          onChange={(e) => field("minSilenceMs", Number(e.target.value))}
        />,
      )}
      {row(
        "playbackLeadMs",
        `Playback lead (${settings.playbackLeadMs} ms buffered before a reply plays)`,
        NEXT,
        <input
          type="range"
          min="80"
          max="600"
          step="20"
          value={settings.playbackLeadMs}
          onChange={(e) => field("playbackLeadMs", Number(e.target.value))}
        />,
      )}
      <DeviceSelect
        label="Input"
        kind="audioinput"
        none="Default microphone"
        devices={devices}
        value={settings.inputDeviceId}
        onChange={(v) => field("inputDeviceId", v)}
      />
      <DeviceSelect
        label="Output"
        kind="audiooutput"
        none="Default speaker"
        devices={devices}
        value={settings.outputDeviceId}
        onChange={(v) => field("outputDeviceId", v)}
      />
      {row(
        "language",
        "Language",
        NEXT,
        <input
          defaultValue={settings.language}
          onBlur={(e) => field("language", e.target.value)}
          aria-label="Language"
          aria-invalid={!!errors.language}
        />,
      )}
      {row(
        "voice",
        "Voice",
        NEXT,
        <select value={settings.voice} onChange={(e) => field("voice", e.target.value)}>
          <option value="">Pod default</option>
          {voices.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>,
      )}
      {row(
        "pushToTalkShortcut",
        "Global talk shortcut",
        "Desktop app only, works while another app has focus: press to talk, press again to send (hands-free: mutes and unmutes). Applies now.",
        <input
          defaultValue={settings.pushToTalkShortcut}
          onBlur={(e) => field("pushToTalkShortcut", e.target.value.trim())}
          aria-label="Global talk shortcut"
          aria-invalid={!!errors.pushToTalkShortcut}
          placeholder="none"
        />,
      )}
      {row(
        "persona",
        "Persona",
        NEXT,
        <textarea defaultValue={settings.persona} onBlur={(e) => field("persona", e.target.value)} rows={3} placeholder="Pod default" />,
      )}
    </section>
  );
}

function DeviceSelect(props: {
  label: string;
  kind: MediaDeviceKind;
  none: string;
  devices: MediaDeviceInfo[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">{props.none}</option>
        {props.devices
          .filter((d) => d.kind === props.kind)
          .map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || d.deviceId}
            </option>
          ))}
      </select>
    </label>
  );
}
