/** `@fireside/client`: the one protocol client of the realtime API, for the app, the tests and the bench. */
export * from "./hello.js";
export * from "./realtime-connection.js";
export * from "./socket.js";
