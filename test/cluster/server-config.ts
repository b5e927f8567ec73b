/**
 * The files under deploy/ that docker-compose.yml runs, and how the suite runs the same ones: the
 * server's config template (the server renders it from the environment given here), the dynamic
 * config, the schema step and the namespace / search-attribute step. What differs from
 * docker-compose is only what must: loopback addresses, free ports, a database pair per server,
 * and, for the mutual-TLS server, the certificates.
 */
import path from 'node:path';
import type { Postgres } from './postgres';
import { projectRoot, type TemporalBuild } from './temporal-build';
import type { TlsFiles } from './tls';

const deployDir = path.join(projectRoot, 'deploy');

/** The server config template (`TEMPORAL_SERVER_CONFIG_FILE_PATH`), as docker-compose mounts it. */
export const SERVER_CONFIG_TEMPLATE = path.join(deployDir, 'temporal', 'config.yaml');
/** The dynamic config (`DYNAMIC_CONFIG_FILE_PATH`), as docker-compose mounts it. */
export const DYNAMIC_CONFIG = path.join(deployDir, 'dynamicconfig', 'rebound.yaml');
/** docker-compose's `setup-schema` step. */
export const SETUP_SCHEMA_SCRIPT = path.join(deployDir, 'temporal', 'setup-schema.sh');
/** docker-compose's `register-search-attributes` step (it creates the namespace too). */
export const REGISTER_SEARCH_ATTRIBUTES_SCRIPT = path.join(deployDir, 'temporal', 'register-search-attributes.sh');

export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/** Where one server's two databases are. */
export interface DatabaseInput {
  pg: Pick<Postgres, 'host' | 'port' | 'user' | 'password'>;
  database: string;
  visibilityDatabase: string;
}

export interface ServerInput extends DatabaseInput {
  ports: ServerPorts;
  tls?: TlsFiles;
}

/** The PostgreSQL variables the template and the schema step share (as docker-compose sets them). */
function databaseEnv({ pg, database, visibilityDatabase }: DatabaseInput): Record<string, string> {
  return {
    POSTGRES_SEEDS: pg.host,
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    DBNAME: database,
    VISIBILITY_DBNAME: visibilityDatabase,
  };
}

/**
 * The environment of `server start` for one server: the template and dynamic config of deploy/,
 * and the variables the template reads. Nothing else of ours: the developer's LOG_LEVEL or
 * TEMPORAL_* must not change the server.
 */
export function serverEnv(input: ServerInput): Record<string, string> {
  const { ports, tls } = input;
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TEMPORAL_SERVER_CONFIG_FILE_PATH: SERVER_CONFIG_TEMPLATE,
    TEMPORAL_ALLOW_NO_AUTH: 'true',
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG,
    LOG_LEVEL: 'warn',
    ...databaseEnv(input),
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(ports.frontend),
    FRONTEND_HTTP_PORT: String(ports.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
    HISTORY_GRPC_PORT: String(ports.history),
    HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
    MATCHING_GRPC_PORT: String(ports.matching),
    MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
    WORKER_GRPC_PORT: String(ports.worker),
    WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    ...(tls && {
      TEMPORAL_TLS_FRONTEND_CERT: tls.serverCertFile,
      TEMPORAL_TLS_FRONTEND_KEY: tls.serverKeyFile,
      TEMPORAL_TLS_CLIENT_CA_CERT: tls.caFile,
      TEMPORAL_TLS_SERVER_CA_CERT: tls.caFile,
      TEMPORAL_TLS_FRONTEND_SERVER_NAME: tls.serverName,
      TEMPORAL_TLS_SYSTEM_WORKER_CERT: tls.clientCertFile,
      TEMPORAL_TLS_SYSTEM_WORKER_KEY: tls.clientKeyFile,
    }),
  };
}

/** The environment of the schema step: the built SQL tool and the schemas of the server's module. */
export function setupSchemaEnv(input: DatabaseInput, build: TemporalBuild): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...databaseEnv(input),
    TEMPORAL_SQL_TOOL: build.sqlToolBin,
    TEMPORAL_SCHEMA_DIR: build.schemaDir,
  };
}
