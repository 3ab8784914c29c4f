/** A horizontal level bar in dBFS (-60 … 0). */
export function LevelMeter({ level, label }: { level: number; label: string }) {
  const db = level > 0 ? 20 * Math.log10(level) : -60;
  const pct = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
  return (
    <div className="meter" title={`${label}: ${db.toFixed(0)} dBFS`}>
      <span>{label}</span>
      <div className="meter-track">
        <div className="meter-fill" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
