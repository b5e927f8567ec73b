/**
 * The YAML config of one self-hosted Temporal server (all four services in one process) on the
 * suite's PostgreSQL. Shaped after the server module's config/development-postgres12.yaml, with
 * what differs for tests: loopback-only free ports, membership ports below 32768 (a smallint in
 * the PostgreSQL schema), no metrics / pprof / HTTP listeners, no archival, and, in TLS mode,
 * mutual TLS on the frontend.
 */
import { stringify } from 'yaml';
import type { TlsFiles } from './tls';

export interface ServerPorts {
  frontend: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface ServerConfigInput {
  pg: { host: string; port: number; user: string; password: string };
  database: string;
  visibilityDatabase: string;
  ports: ServerPorts;
  dynamicConfigFile: string;
  tls?: TlsFiles;
}

export function serverConfigYaml(input: ServerConfigInput): string {
  const { pg, ports, tls } = input;
  // Four services each open their own pools; keep them modest so two servers fit in
  // PostgreSQL's max_connections with room to spare.
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number) => ({
    rpc: { grpcPort, membershipPort, bindOnIP: '127.0.0.1' },
  });

  const config = {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
      datastores: {
        'postgres-default': sql(input.database, 10),
        'postgres-visibility': sql(input.visibilityDatabase, 5),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      ...(tls && {
        tls: {
          frontend: {
            server: {
              certFile: tls.serverCertFile,
              keyFile: tls.serverKeyFile,
              requireClientAuth: true,
              clientCaFiles: [tls.caFile],
            },
            client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
          },
          // The worker service (system workflows) dials the frontend too, so it needs a client
          // certificate; without this section it would dial with none and be refused.
          systemWorker: {
            certFile: tls.clientCertFile,
            keyFile: tls.clientKeyFile,
            client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
          },
        },
      }),
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
  return stringify(config);
}
