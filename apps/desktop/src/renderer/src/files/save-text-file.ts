/** Offers text as a file download; the object URL lives only for the click. */
export function saveTextFile(name: string, text: string, type: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

/**
 * A file name from a title a person wrote: characters no file system takes become spaces, and the
 * title's own closing dots and spaces go, so "…robot." exports as "…robot.md", not "…robot..md".
 */
export function fileName(title: string, extension: string): string {
  const base = title
    .replace(/[\\/:*?"<>|\p{Cc}]+/gu, " ")
    .replace(/\s+/g, " ")
    .replace(/[.\s]+$/, "")
    .trim()
    .slice(0, 120);
  return `${base || "conversation"}.${extension}`;
}
