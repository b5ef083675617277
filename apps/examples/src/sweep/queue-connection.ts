import { maskUrlCredentials } from '@holomind/core';
import { Redis } from 'ioredis';
import { CliError } from '../errors.js';

/** The BullMQ queue trials travel on unless `--queue-name` says otherwise. */
export const DEFAULT_QUEUE_NAME = 'holomind-trials';

/** ioredis options for a `redis://` URL; BullMQ needs `maxRetriesPerRequest: null` on blocking connections. */
export function redisOptions(url: string): { host: string; port: number; username?: string; password?: string; db?: number } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || 6379),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
  };
}

/**
 * Connects once and pings, so an unreachable Redis fails before any trial is created, instead of
 * BullMQ retrying forever in the background.
 */
export async function checkQueueReachable(url: string, timeoutMs = 5000): Promise<void> {
  if (!/^rediss?:\/\//.test(url)) {
    throw new CliError(
      'QUEUE_UNREACHABLE',
      `The queue URL ${maskUrlCredentials(url)} is not a redis:// URL; use redis://host:6379.`,
    );
  }
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new CliError(
      'QUEUE_UNREACHABLE',
      `Cannot reach the Redis queue at ${maskUrlCredentials(url)}: ${(error as Error).message}. No trial was started. ` +
        'Start redis-server there (or fix host, port and password), or drop --queue to run the trials in this process.',
      { cause: error },
    );
  } finally {
    client.disconnect();
  }
}
