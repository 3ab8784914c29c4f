export * from "./config/config.js";
export * from "./engines/types.js";
export * from "./models/manifest.js";
export { createPodServer, type PodServer } from "./transport/http-server.js";
