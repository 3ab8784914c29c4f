/** Thrown for audio that cannot be read; `code` matches the protocol's E_AUDIO_FORMAT. */
export class AudioFormatError extends Error {
  readonly code = "E_AUDIO_FORMAT";
  constructor(message: string) {
    super(message);
    this.name = "AudioFormatError";
  }
}
