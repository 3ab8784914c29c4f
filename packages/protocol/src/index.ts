/** `@fireside/protocol`: the wire, defined once — messages, audio frames, errors, limits, REST shapes. */
export * from "./audio-frame.js";
export * from "./conversations.js";
export * from "./dialogue-script.js";
export * from "./errors.js";
export * from "./examples.js";
export * from "./json-codec.js";
export * from "./limits.js";
export * from "./messages.js";
export * from "./protocol-doc.js";
export * from "./studio.js";
export * from "./version.js";
