export * from "./audio-frame.js";
export * from "./errors.js";
export * from "./examples.js";
export * from "./json-codec.js";
export * from "./limits.js";
export * from "./messages.js";
export * from "./protocol-doc.js";
export * from "./version.js";
