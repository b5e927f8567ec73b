import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev';
import { InvalidOptionsError } from '../../src/errors';
import { metricsFromEnv, openMetricsEndpoint, parseAddress } from '../../src/metrics';
import { rejectionOf } from '../helpers';
import { scrape, valueOf } from './scrape';

describe('metricsFromEnv', () => {
  it('reads REBOUND_METRICS_ADDRESS, and nothing when it is not set', () => {
    expect(metricsFromEnv({ REBOUND_METRICS_ADDRESS: '0.0.0.0:9464' })).toEqual({ address: '0.0.0.0:9464' });
    expect(metricsFromEnv({})).toBeUndefined();
    expect(parseAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
  });

  it('refuses an address that is not host:port, naming the variable', () => {
    expect(() => metricsFromEnv({ REBOUND_METRICS_ADDRESS: '9464' })).toThrow(InvalidOptionsError);
    expect(() => metricsFromEnv({ REBOUND_METRICS_ADDRESS: 'localhost:99999' })).toThrow(/REBOUND_METRICS_ADDRESS: expected host:port/);
  });
});

describe('openMetricsEndpoint', () => {
  it('shares one endpoint between the workers of a process, and closes it when the last lets go', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const first = await openMetricsEndpoint({ address, processMetrics: false });
    const second = await openMetricsEndpoint({ address, processMetrics: false });
    first.metrics.forTaskQueue('q1').attemptStarted('t', true);
    second.metrics.forTaskQueue('q2').attemptStarted('t', false);
    const { samples, text } = await scrape(first.url);
    expect(valueOf(samples, 'rebound_attempts_total', { job_type: 't' })).toBe(2);
    expect(valueOf(samples, 'rebound_jobs_started_total', { task_queue: 'q1' })).toBe(1);
    expect(text).not.toContain('process_cpu');
    await first.release();
    expect((await scrape(second.url)).samples.length).toBeGreaterThan(0);
    await second.release();
    await expect(fetch(second.url)).rejects.toThrow();
  });

  it('says so when another program listens on the address', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const err = await rejectionOf(openMetricsEndpoint({ address: `127.0.0.1:${port}` }));
      expect(err).toBeInstanceOf(InvalidOptionsError);
      expect(err.message).toContain(`127.0.0.1:${port} is in use`);
    } finally {
      blocker.close();
    }
  });
});
