import { useEffect, useState } from "react";
import type { Settings } from "../../../shared/settings";
import { useApp } from "../store/app-store";

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
  const voices = useApp((s) => s.server?.capabilities.voices ?? []);
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  const [tok, setTok] = useState(token);
  useEffect(() => {
    navigator.mediaDevices
      ?.enumerateDevices()
      .then(setDevices)
      .catch(() => {});
  }, []);
  useEffect(() => {
    setTok(token);
  }, [token]);
  const field = <K extends keyof Settings>(k: K, v: Settings[K]) => onSave({ [k]: v } as Partial<Settings>);
  return (
    <section className="settings" aria-label="Settings">
      <h2>Settings</h2>
      <label>
        Pod URL
        <input defaultValue={settings.podUrl} key={settings.podUrl} onBlur={(e) => field("podUrl", e.target.value)} aria-label="Pod URL" />
      </label>
      <label>
        Token
        <input type="password" value={tok} onChange={(e) => setTok(e.target.value)} onBlur={() => onToken(tok)} aria-label="Token" />
      </label>
      <label>
        Mode
        <select value={settings.mode} onChange={(e) => field("mode", e.target.value as Settings["mode"])}>
          <option value="hands-free">Hands-free</option>
          <option value="push-to-talk">Push-to-talk (hold Space)</option>
        </select>
      </label>
      <label>
        VAD sensitivity ({settings.vadThreshold.toFixed(2)})
        <input
          type="range"
          min="0.2"
          max="0.9"
          step="0.05"
          value={1.1 - settings.vadThreshold}
          onChange={(e) => field("vadThreshold", Math.round((1.1 - Number(e.target.value)) * 100) / 100)}
        />
      </label>
      <label>
        Minimum silence ({settings.minSilenceMs} ms)
        <input
          type="range"
          min="200"
          max="2000"
          step="50"
          value={settings.minSilenceMs}
          onChange={(e) => field("minSilenceMs", Number(e.target.value))}
        />
      </label>
      <label>
        Playback lead ({settings.playbackLeadMs} ms buffered before a reply plays)
        <input
          type="range"
          min="80"
          max="600"
          step="20"
          value={settings.playbackLeadMs}
          onChange={(e) => field("playbackLeadMs", Number(e.target.value))}
        />
      </label>
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
      <label>
        Language
        <input defaultValue={settings.language} onBlur={(e) => field("language", e.target.value)} />
      </label>
      <label>
        Voice
        <select value={settings.voice} onChange={(e) => field("voice", e.target.value)}>
          <option value="">Pod default</option>
          {voices.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Persona
        <textarea defaultValue={settings.persona} onBlur={(e) => field("persona", e.target.value)} rows={3} placeholder="Pod default" />
      </label>
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
