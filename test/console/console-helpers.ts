/**
 * Helpers of the console tests: HTTP calls to a console, and jobs made to die on a test queue.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { JobStatus } from '../../src/contract';
import type { TestEnv } from '../helpers';
import { unique } from '../helpers';

/** A token long enough for the console. */
export const newToken = () => randomBytes(24).toString('hex');

/** What a call to the console answered. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, when it is JSON. */
  json: any;
}

/** Options of one call. */
export interface CallOptions {
  token?: string;
  /** Sent as JSON, or as it is when a string. */
  body?: unknown;
  cookie?: string;
  headers?: Record<string, string>;
}

/** Calls `fetch`-like `send` at `path` and reads the answer; redirects are not followed. */
export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(new URL(path.replace(/^\//, ''), base), { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Submits `n` jobs of `type` with `payload` and waits until each has dead-lettered; returns their ids. */
export async function deadJobs(jobs: ReturnType<TestEnv['jobs']>, n: number, type: string, payload: unknown): Promise<string[]> {
  const handles = await Promise.all(Array.from({ length: n }, () => jobs.submit(type, payload, { jobId: unique(type) })));
  const settled = await Promise.all(handles.map((h) => h.settled()));
  for (const s of settled) expect(s.status, `${s.jobId} of ${type}`).toBe(JobStatus.DeadLettered);
  return settled.map((s) => s.jobId);
}

export const sorted = (ids: string[]) => [...ids].sort();
