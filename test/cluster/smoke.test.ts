/**
 * The cluster suite's first check: both self-hosted servers (plain and mutual TLS) serve, have the
 * `default` namespace and rebound's search attributes, and accept the visibility queries rebound
 * runs; the TLS one refuses clients without a certificate. Only @temporalio/client and the
 * official `temporal` CLI, nothing of rebound's own.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Connection, type Client } from '@temporalio/client';
import { SEARCH_ATTRIBUTES, type ClusterInfo } from './cluster';
import { connectClient, connectionOptions } from './connect';
import { TEMPORAL_VERSION } from './temporal-build';
import { temporalCli } from './temporal-cli';

// temporal.api.enums.v1.IndexedValueType, as numbers in OperatorService responses.
const INDEXED_VALUE_TYPE: Record<number, string> = { 1: 'Text', 2: 'Keyword', 3: 'Int', 4: 'Double', 5: 'Bool', 6: 'Datetime', 7: 'KeywordList' };
const DEAD_QUERY = 'JobStatus="DeadLettered" AND JobType="x"';

const cli = inject('temporalCliPath');
const clusters: [string, ClusterInfo][] = [
  ['plain', inject('cluster')],
  ['mTLS', inject('clusterTls')],
];

describe.each(clusters)('%s cluster', (_name, cluster) => {
  let connection: Connection;
  let client: Client;
  beforeAll(async () => {
    ({ connection, client } = await connectClient(cluster));
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('serves, with the server version docker-compose should run', async () => {
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe(TEMPORAL_VERSION);
    const health = await temporalCli(cli, cluster, ['operator', 'cluster', 'health']);
    expect(health.stdout).toContain('SERVING');
  });

  it('has the default namespace', async () => {
    const ns = await connection.workflowService.describeNamespace({ namespace: cluster.namespace });
    expect(ns.namespaceInfo?.name).toBe('default');
    const described = await temporalCli(cli, cluster, ['operator', 'namespace', 'describe', '--output', 'json']);
    expect(described.code, described.stderr).toBe(0);
    expect(JSON.parse(described.stdout).namespaceInfo.name).toBe('default');
  });

  it("has rebound's six search attributes, with their types", async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: cluster.namespace });
    const registered = Object.fromEntries(
      Object.entries(customAttributes ?? {}).map(([name, type]) => [name, INDEXED_VALUE_TYPE[type as number]]),
    );
    expect(registered).toMatchObject(SEARCH_ATTRIBUTES);

    const listed = await temporalCli(cli, cluster, ['operator', 'search-attribute', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(listed.stdout).toContain(name);
  });

  it('accepts a visibility query on them, and refuses one on an unknown attribute', async () => {
    const found = [];
    for await (const wf of client.workflow.list({ query: DEAD_QUERY })) found.push(wf);
    expect(found).toEqual([]);
    expect((await client.workflow.count(DEAD_QUERY)).count).toBe(0);

    const listed = await temporalCli(cli, cluster, ['workflow', 'list', '--query', DEAD_QUERY]);
    expect(listed.code, listed.stderr).toBe(0);

    // Proves the query above was really checked against the registered attributes.
    await expect(client.workflow.count('NoSuchAttribute="x"')).rejects.toThrow();
  });
});

describe('mTLS cluster', () => {
  const cluster = inject('clusterTls');

  it('refuses a client without a certificate', async () => {
    // Node's client only reports that it could not connect in time (it retries UNAVAILABLE until
    // the deadline); the CLI says why, and 'accepts one with it' below is the control.
    const noCert = { ...connectionOptions(cluster, { withClientCert: false }), connectTimeout: 3_000 };
    await expect(Connection.connect(noCert)).rejects.toThrow(/Failed to connect/);
    await expect(Connection.connect({ address: cluster.address, connectTimeout: 3_000 })).rejects.toThrow(/Failed to connect/);

    const r = await temporalCli(cli, cluster, ['operator', 'cluster', 'health'], { withClientCert: false });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/client certificate/i);
  });

  it('accepts one with it', async () => {
    const connection = await Connection.connect(connectionOptions(cluster));
    try {
      await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
    const r = await temporalCli(cli, cluster, ['operator', 'cluster', 'health']);
    expect(r.stdout).toContain('SERVING');
  });
});
