/** The wire protocol's version, negotiated in `session.hello` / `session.ready`. */
export const PROTOCOL_VERSION = "fireside.v1";
export const SUPPORTED_PROTOCOLS = [PROTOCOL_VERSION] as const;
/** WebSocket path of the realtime endpoint. */
export const REALTIME_PATH = "/v1/realtime";
