/**
 * createWorker refuses a namespace that lacks rebound's search attributes (or has one of another
 * type), naming them and the commands that register them, and starts nothing: on such a
 * namespace every dead-lettering would fail its workflow task for ever. Runs a second dev
 * server, started without the attributes.
 */
import { status } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import { connectWorker, loadConfig, type ReboundConfig } from '../../src/config';
import { deadLetterWorkflowId } from '../../src/contract';
import { startDevServer, type DevServer } from '../../src/dev';
import { SearchAttributesMissingError } from '../../src/errors';
import { installRuntimeLogger } from '../../src/logger';
import { createWorker } from '../../src/worker';
import { startGrpcProxy } from '../fixtures/grpc-proxy';
import { quietLogger, rejectionOf, unique } from '../helpers';

const all = [
  ['JobType', 'Keyword'],
  ['JobStatus', 'Keyword'],
  ['JobErrorType', 'Keyword'],
  ['JobFailureGroup', 'Keyword'],
  ['DeadLetteredAt', 'Datetime'],
  ['JobAttempts', 'Int'],
  ['JobTags', 'KeywordList'],
] as const;

const createCommand = (name: string, type: string) => `temporal operator search-attribute create --name ${name} --type ${type} --namespace default`;

describe('createWorker on a namespace without rebound search attributes', () => {
  let server: DevServer;
  let client: Client;
  let connection: NativeConnection;
  let config: ReboundConfig;

  beforeAll(async () => {
    // Before the server's connections make the SDK's runtime.
    installRuntimeLogger(quietLogger);
    server = await startDevServer({ uiPort: false, searchAttributes: false, dynamicConfig: { 'system.forceSearchAttributesCacheRefreshOnRead': true } });
    config = loadConfig({ address: server.address, taskQueue: unique('tq-nosa') }, {});
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    connection = await connectWorker(config, quietLogger);
  });
  afterAll(async () => {
    await connection?.close();
    await client?.connection.close();
    await server?.stop();
  });

  const dlqStarted = async () =>
    client.workflow
      .getHandle(deadLetterWorkflowId(config.taskQueue))
      .describe()
      .then(
        () => true,
        (err: Error) => (err.name === 'WorkflowNotFoundError' ? false : Promise.reject(err)),
      );

  it('refuses, naming every missing attribute and the command that registers it, and starts nothing', async () => {
    const err = await rejectionOf(createWorker({ connection, config, jobs: exampleJobs, logger: quietLogger, alerts: { thresholds: { deadNow: 5 } } }));
    expect(err).toBeInstanceOf(SearchAttributesMissingError);
    expect((err as SearchAttributesMissingError).missing.map((a) => [a.name, a.type])).toEqual(all);
    for (const [name, type] of all) {
      expect(err.message).toContain(`${name} (${type})`);
      expect(err.message).toContain(createCommand(name, type));
    }
    // The alerts a worker applies as it starts were not applied: the dead-letter queue never started.
    expect(await dlqStarted()).toBe(false);
  });

  it('names an attribute registered with another type, and only what is wrong', async () => {
    const { IndexedValueType } = temporal.api.enums.v1;
    const types = {
      Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
      Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
      Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    };
    // Every attribute but JobFailureGroup, and JobAttempts as a Keyword.
    await client.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(all.filter(([name]) => name !== 'JobFailureGroup').map(([name, type]) => [name, name === 'JobAttempts' ? types.Keyword : types[type]])),
    });

    const err = (await rejectionOf(createWorker({ connection, config, jobs: exampleJobs, logger: quietLogger }))) as SearchAttributesMissingError;
    expect(err).toBeInstanceOf(SearchAttributesMissingError);
    expect(err.missing).toEqual([{ name: 'JobFailureGroup', type: 'Keyword' }]);
    expect(err.wrongType).toEqual([{ name: 'JobAttempts', type: 'Int', registeredAs: 'Keyword' }]);
    expect(err.message).toContain('JobAttempts is Keyword, rebound needs Int');
    expect(err.message).toContain(createCommand('JobFailureGroup', 'Keyword'));
    expect(err.message).toContain(createCommand('JobAttempts', 'Int'));
    expect(err.message).not.toContain('JobType');
    expect(await dlqStarted()).toBe(false);
  });

  it('goes on with a warning when the server refuses to list them (a hosted namespace, say)', async () => {
    const proxy = await startGrpcProxy(server.address, {
      '/temporal.api.operatorservice.v1.OperatorService/ListSearchAttributes': { code: status.PERMISSION_DENIED, message: 'Request unauthorized.' },
    });
    const lines: string[] = [];
    const logger = pino({ level: 'warn', base: undefined }, { write: (line: string) => void lines.push(line) });
    const proxied = { ...config, address: proxy.address };
    const through = await connectWorker(proxied, quietLogger);
    try {
      const worker = await createWorker({ connection: through, config: proxied, jobs: exampleJobs, logger });
      const running = worker.run();
      worker.shutdown();
      await running;
    } finally {
      await through.close();
      await proxy.close();
    }
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40);
    expect(warning?.msg).toContain('could not check the search attributes of namespace "default"');
    expect(warning).toMatchObject({ code: 'PERMISSION_DENIED', namespace: 'default' });
  });
});
