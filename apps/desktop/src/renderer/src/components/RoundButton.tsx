/**
 * The Talk screen's round controls: an icon in a circle with its name and shortcut under it. Every
 * one answers Space and Enter like any button; a hold button (push-to-talk) is held by pointer, Space
 * or Enter, and shows as pressed while held.
 */
import type { KeyboardEvent } from "react";

const ICONS = {
  mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11z",
  "mic-off":
    "M19 11h-2a5 5 0 0 1-.55 2.28l1.47 1.47A6.96 6.96 0 0 0 19 11zM15 11V5a3 3 0 0 0-5.94-.6L15 10.34zM4.27 3 3 4.27l6 6V11a3 3 0 0 0 4.5 2.6l1.62 1.62A5 5 0 0 1 7 11H5a7 7 0 0 0 6 6.92V21h2v-3.08a6.9 6.9 0 0 0 3.5-1.44L19.73 21 21 19.73z",
  stop: "M7 7h10v10H7z",
  end: "M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85a1 1 0 0 1-1.41-.02L.29 13.08a1 1 0 0 1 0-1.41C3.34 8.78 7.46 7 12 7s8.66 1.78 11.71 4.67a1 1 0 0 1 0 1.41l-2.48 2.47a1 1 0 0 1-1.41.02 11.3 11.3 0 0 0-2.67-1.85 1 1 0 0 1-.56-.9v-3.1C15.15 9.25 13.6 9 12 9z",
} as const;

export function RoundButton(props: {
  icon: keyof typeof ICONS;
  label: string;
  shortcut?: string;
  tone?: "primary" | "danger";
  size?: "large";
  pressed?: boolean;
  disabled?: boolean;
  onClick?: () => void;
  /** A hold button: down while pressed, up when let go (pointer, Space or Enter). */
  onHold?: (down: boolean) => void;
  testId: string;
}) {
  const { onHold } = props;
  const key = (down: boolean) => (e: KeyboardEvent) => {
    if (!onHold || (e.key !== " " && e.key !== "Enter") || (down && e.repeat)) return;
    e.preventDefault();
    e.stopPropagation(); // the window's push-to-talk key handler must not see it twice
    onHold(down);
  };
  return (
    <button
      type="button"
      className={`round ${props.tone ?? ""} ${props.size ?? ""}`}
      aria-pressed={props.pressed}
      disabled={props.disabled}
      onClick={props.onClick}
      onPointerDown={onHold && (() => onHold(true))}
      onPointerUp={onHold && (() => onHold(false))}
      onPointerLeave={onHold && (() => onHold(false))}
      onKeyDown={key(true)}
      onKeyUp={key(false)}
      data-testid={props.testId}
      aria-keyshortcuts={props.shortcut === "Esc" ? "Escape" : props.shortcut}
    >
      <span className="round-face" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
          <path d={ICONS[props.icon]} fill="currentColor" />
        </svg>
      </span>
      <span className="round-label">
        {props.label}
        {props.shortcut && <kbd>{props.shortcut}</kbd>}
      </span>
    </button>
  );
}
