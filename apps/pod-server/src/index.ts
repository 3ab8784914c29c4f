/** The pod server's public surface (`@fireside/pod-server`): settings, the engine interfaces, the server itself. */
export * from "./config/config.js";
export * from "./engines/types.js";
export * from "./models/manifest.js";
export { windowStart } from "./session/conversation-history.js";
export { wordErrorRate } from "./studio/word-error-rate.js";
export { createLogger, type Logger } from "./transport/logger.js";
export { createPodServer, type LoadingProgress, type PodServer } from "./transport/pod-server.js";
export { stopOnSignals } from "./transport/stop-on-signals.js";
