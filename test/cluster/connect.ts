/**
 * Client side of the cluster suite: connection options for a provided cluster (with or without the
 * client certificate, so tests can check that the mTLS frontend refuses clients without one).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { ClusterInfo } from './cluster';

export function connectionOptions(cluster: ClusterInfo, opts: { withClientCert?: boolean } = {}): ConnectionOptions {
  const { tls } = cluster;
  if (!tls) return { address: cluster.address };
  return {
    address: cluster.address,
    tls: {
      // We dial 127.0.0.1; without this grpc-js sends the IP as SNI, which Node warns about.
      serverNameOverride: tls.serverName,
      serverRootCACertificate: readFileSync(tls.caFile),
      ...(opts.withClientCert !== false && {
        clientCertPair: { crt: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
      }),
    },
  };
}

/** A connected client for the cluster's namespace; close `connection` when done. */
export async function connectClient(cluster: ClusterInfo): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect(connectionOptions(cluster));
  return { connection, client: new Client({ connection, namespace: cluster.namespace }) };
}
