/** The dialogue script as text, imported and exported. */
import { type DialogueLine, formatDialogueScript, parseDialogueScript } from "@fireside/protocol";
import { useState } from "react";
import { saveTextFile } from "../../files/save-text-file";

/**
 * The script as text: it shows the current lines (edited or imported), and what is typed here
 * replaces them on Import.
 */
export function ScriptIo({
  lines,
  onImport,
  onError,
}: {
  lines: DialogueLine[];
  onImport: (l: DialogueLine[]) => void;
  onError: (e: string | null) => void;
}) {
  const current = lines.length ? formatDialogueScript(lines) : "";
  // null: nothing typed since the last import, so the box follows the lines.
  const [draft, setDraft] = useState<string | null>(null);
  return (
    <details className="script-io">
      <summary>Import / export script</summary>
      <textarea
        value={draft ?? current}
        onChange={(e) => setDraft(e.target.value)}
        rows={5}
        placeholder={"[S1] Hello there.\n[S2] Hi!"}
        aria-label="Script"
      />
      <button
        type="button"
        onClick={() => {
          try {
            onImport(parseDialogueScript(draft ?? current));
            setDraft(null);
            onError(null);
          } catch (e) {
            onError((e as Error).message);
          }
        }}
      >
        Import
      </button>
      <button type="button" onClick={() => saveTextFile("dialogue.txt", current, "text/plain")}>
        Export script
      </button>
    </details>
  );
}
