/**
 * HAProxy's agent check (FIRESIDE_AGENT_PORT): on each TCP connection the pod answers one line
 * with what it can take now. `ready maxconn:N W%` weights it by its session limit (below), so
 * `balance leastconn` fills pods by the share of their capacity in use: a full pod is chosen only
 * when every other is full too. N, the sockets HAProxy sends it at most, is that limit plus the
 * sockets it lets wait for their hello (FIRESIDE_MAX_PENDING): the balancer counts a socket from
 * its first byte, so with N at the limit alone, strangers' silent sockets filled every pod's share
 * and held real users in HAProxy's queue — the pod's own per-address caps decide those. A pod that
 * is full answers the extra socket with a typed E_BUSY. While draining it answers `drain`: no new
 * sockets, the live ones stay until they move.
 */
import { createServer, type Server } from "node:net";

export interface AgentState {
  draining: boolean;
  /** Sessions this pod admits now. */
  limit: number;
  /** Sockets it lets wait for their session.hello, from all addresses together. */
  pending: number;
}

/**
 * runpod/fleet/haproxy.cfg gives each pod weight 100; the agent's percentage of it is the pod's
 * session limit, so weights are proportional to limits up to 100 sessions (larger pods weigh alike).
 */
export function agentReply(state: AgentState): string {
  if (state.draining) return "drain\n";
  const limit = Math.max(1, state.limit);
  return `ready maxconn:${limit + Math.max(1, state.pending)} ${Math.min(100, limit)}%\n`;
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
