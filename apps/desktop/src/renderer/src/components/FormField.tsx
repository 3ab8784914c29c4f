/** One settings row: its label, its control, and under it either when a change applies or why a value was refused. */
import type { ReactNode } from "react";

export function FormField({
  label,
  applies,
  error,
  name,
  children,
}: {
  label: ReactNode;
  /** When a change applies, or what the field does (shown while there is no error). */
  applies: string;
  /** Why the last value was refused; the saved value is kept. */
  error?: string | undefined;
  /** The setting's key, naming its error for tests and assistive tech. */
  name: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in, inside the label
    <label>
      {label}
      {children}
      {error ? (
        <span className="field-error" role="alert" data-testid={`error-${name}`}>
          {error} The saved value is kept.
        </span>
      ) : (
        <span className="field-note">{applies}</span>
      )}
    </label>
  );
}
