/** Messages from the pod name voices by id (`v_3f9…`, `narrator`); people know them by name. */
export function nameVoices(message: string, voices: readonly { id: string; name: string }[]): string {
  // Whole ids only (a preset's id can be a plain word inside other words), longest first.
  return [...voices]
    .sort((a, b) => b.id.length - a.id.length)
    .reduce(
      (m, v) => m.replace(new RegExp(`(?<![\\w-])${v.id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "g"), `“${v.name}”`),
      message,
    );
}
