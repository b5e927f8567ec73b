/**
 * Free loopback ports for the cluster. The Temporal server's membership ports are stored in a
 * PostgreSQL smallint (cluster_membership.rpc_port), so a port >= 32768 makes the server die at
 * start. The kernel's "any free port" (listen on 0) hands out ephemeral ports, which on Linux are
 * 32768 and up, so we pick at random below that instead and check each one by binding it.
 */
import net from 'node:net';

const LOW = 20_000;
const HIGH = 32_000; // exclusive; stays under 32768 and clear of the ephemeral range
const taken = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that is free now and not yet handed out by this process. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (taken.has(port)) continue;
    if (await canBind(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port found in ${LOW}-${HIGH}`);
}
