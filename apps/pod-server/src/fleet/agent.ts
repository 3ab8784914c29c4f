/**
 * HAProxy's agent check (FIRESIDE_AGENT_PORT): on each TCP connection the pod answers one line
 * with what it can take now. `ready maxconn:N W%` lets the balancer send it at most N sockets (its
 * session limit plus one, so that when every pod is full the one extra gets a typed E_BUSY rather
 * than a balancer's 503) and weights it by that limit (below), so `balance leastconn` fills pods by the share
 * of their capacity in use: a full pod is chosen only when every other is full too. While draining
 * it answers `drain`: no new sockets, the live ones stay until they move.
 */
import { createServer, type Server } from "node:net";

export interface AgentState {
  draining: boolean;
  /** Sessions this pod admits now. */
  limit: number;
}

/**
 * runpod/fleet/haproxy.cfg gives each pod weight 100; the agent's percentage of it is the pod's
 * session limit, so weights are proportional to limits up to 100 sessions (larger pods weigh alike).
 */
export function agentReply(state: AgentState): string {
  if (state.draining) return "drain\n";
  const limit = Math.max(1, state.limit);
  return `ready maxconn:${limit + 1} ${Math.min(100, limit)}%\n`;
}

export function serveAgent(port: number, host: string, state: () => AgentState): Promise<Server> {
  const server = createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.end(agentReply(state()));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
