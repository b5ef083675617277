import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeValue } from '@holomind/core';
import { MonitoringError } from '../errors.js';
import { unrefInterval } from '../listeners.js';
import { toJson } from '../to-json.js';
import type { MetricPoint } from '../types.js';
import type { DashboardData } from './dashboard-data.js';
import { VENDOR_ASSETS, type DashboardAsset } from './dashboard-assets.js';
import { DASHBOARD_SCRIPT, dashboardHtml } from './dashboard-page.js';

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  data: DashboardData;
  /** Interface to bind. Default `127.0.0.1`; any other address requires `token`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /**
   * Required on every request when set (`Authorization: Bearer <token>` or `?token=`), and
   * mandatory when `host` is not a loopback address. At least 16 characters; see `generateDashboardToken`.
   */
  token?: string;
  title?: string;
  /** Points per series sent when a page loads. Default 1,000. */
  initialPoints?: number;
  /** New points are pushed to pages at most this often. Default 250 ms. */
  pushIntervalMs?: number;
  /** More pages or files by path (e.g. `/study`, `/study.js`): served like the run page, behind the same token. */
  routes?: Record<string, DashboardAsset>;
}

/** A running dashboard. */
export interface DashboardServer {
  /** The page's address, token included when one is set. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Pages currently following the live stream. */
  readonly liveClients: number;
  close(): Promise<void>;
}

const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** A random 32-character token for `startDashboardServer({ token })`. */
export function generateDashboardToken(): string {
  return randomBytes(24).toString('base64url');
}

function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Serves the live dashboard: one page with training curves (server-sent events), the accuracy
 * matrix, alerts and resources, plus its JSON API (`/api/dashboard`, `/api/series`) and the event
 * stream (`/events`). Binds to 127.0.0.1 unless told otherwise; any other address needs a token.
 *
 * @example
 * ```ts
 * const server = await startDashboardServer({ data: new DashboardData({ tracker, alerts, evaluator }) });
 * console.log(`dashboard: ${server.url}`);
 * ```
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const { data } = options;
  if (!data || typeof data.getDashboardData !== 'function') {
    throw new MonitoringError('INVALID_ARGUMENT', 'startDashboardServer needs { data }: a DashboardData instance.');
  }
  const host = options.host ?? '127.0.0.1';
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < 16)) {
    throw new MonitoringError(
      'INVALID_ARGUMENT',
      `Dashboard token must be a string of at least 16 characters; use generateDashboardToken().`,
    );
  }
  if (!isLoopback(host) && token === undefined) {
    throw new MonitoringError(
      'DASHBOARD_TOKEN_REQUIRED',
      `Binding the dashboard to ${describeValue(host)} exposes training data beyond this machine; pass token: generateDashboardToken() (or bind to 127.0.0.1).`,
    );
  }
  const title = options.title ?? 'HoloMind training monitor';
  const initialPoints = options.initialPoints ?? 1000;
  const pushIntervalMs = options.pushIntervalMs ?? 250;
  const expectedDigest = token === undefined ? undefined : digest(token);
  const clients = new Set<ServerResponse>();
  let pendingPoints: MetricPoint[] = [];

  const authorized = (request: IncomingMessage, url: URL): boolean => {
    if (expectedDigest === undefined) return true;
    const header = request.headers.authorization;
    const offered = header?.startsWith('Bearer ') ? header.slice(7) : url.searchParams.get('token');
    return offered !== null && offered !== undefined && timingSafeEqual(digest(offered), expectedDigest);
  };

  // A page on another site could reach a loopback server through DNS rebinding; it cannot fake Host.
  const hostAllowed = (request: IncomingMessage): boolean => {
    if (!isLoopback(host) || token !== undefined) return true;
    const hostname = (request.headers.host ?? '').replace(/:\d+$/, '');
    return isLoopback(hostname);
  };

  const send = (response: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    response.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS, ...extra });
    response.end(body);
  };

  const broadcast = (event: string, payload: unknown) => {
    if (clients.size === 0) return;
    const message = `event: ${event}\ndata: ${toJson(payload, 0)}\n\n`;
    for (const client of clients) client.write(message);
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    if (!hostAllowed(request)) return send(response, 403, 'text/plain; charset=utf-8', 'Forbidden: unexpected Host header.\n');
    // Browsers ask for it without the token; it reveals nothing.
    if (url.pathname === '/favicon.ico') return send(response, 204, 'image/x-icon', '');
    if (!authorized(request, url)) {
      return send(
        response,
        401,
        'text/plain; charset=utf-8',
        'Unauthorized: this dashboard needs its token (?token=… or Authorization: Bearer …).\n',
        {
          'WWW-Authenticate': 'Bearer realm="holomind-dashboard"',
        },
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, 'text/plain; charset=utf-8', 'Method not allowed.\n', { Allow: 'GET, HEAD' });
    }
    try {
      switch (url.pathname) {
        case '/':
        case '/index.html':
          return send(response, 200, 'text/html; charset=utf-8', dashboardHtml(title, token), {
            'Content-Security-Policy': PAGE_POLICY,
          });
        case '/app.js':
          return send(response, 200, 'text/javascript; charset=utf-8', DASHBOARD_SCRIPT);
        case '/vendor/uplot.js':
        case '/vendor/uplot.css': {
          const asset = VENDOR_ASSETS[url.pathname]!;
          return send(response, 200, asset.type, asset.body());
        }
        case '/api/dashboard':
          return send(response, 200, 'application/json; charset=utf-8', toJson(data.getDashboardData(), 0));
        case '/api/series': {
          const series = data.tracker.series().map((one) => ({
            metric: one.metric,
            runId: one.runId,
            taskId: one.taskId,
            steps: one.steps.slice(-initialPoints),
            values: one.values.slice(-initialPoints),
          }));
          return send(response, 200, 'application/json; charset=utf-8', toJson({ series }, 0));
        }
        case '/events': {
          response.writeHead(200, {
            'Content-Type': 'text/event-stream; charset=utf-8',
            Connection: 'keep-alive',
            ...SECURITY_HEADERS,
          });
          response.write(': connected\n\n');
          clients.add(response);
          request.on('close', () => clients.delete(response));
          return;
        }
        default: {
          const route = options.routes?.[url.pathname];
          if (route) return send(response, 200, route.type, route.body(), { 'Content-Security-Policy': PAGE_POLICY });
          return send(response, 404, 'text/plain; charset=utf-8', 'Not found.\n');
        }
      }
    } catch (error) {
      send(response, 500, 'text/plain; charset=utf-8', `Dashboard error: ${(error as Error).message}\n`);
    }
  });

  const unsubscribers = [
    data.tracker.subscribe((points) => {
      if (clients.size > 0) for (const point of points) pendingPoints.push(point);
    }),
  ];
  if (data.alerts) {
    const alerts = data.alerts;
    unsubscribers.push(
      alerts.subscribe((alert) => {
        broadcast('alert', alert);
        broadcast('health', alerts.health().status);
      }),
    );
  }
  if (data.evaluator) unsubscribers.push(data.evaluator.subscribe((report) => broadcast('evaluation', report)));
  if (data.resources) unsubscribers.push(data.resources.subscribe((sample) => broadcast('resources', sample)));

  const pushTimer = unrefInterval(() => {
    if (pendingPoints.length === 0) return;
    const points = pendingPoints;
    pendingPoints = [];
    broadcast('points', points);
  }, pushIntervalMs);
  // Comments keep proxies and browsers from closing an idle stream.
  const heartbeat = unrefInterval(() => {
    for (const client of clients) client.write(': heartbeat\n\n');
  }, 15_000);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const pageUrl = `http://${urlHost}:${address.port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

  return {
    url: pageUrl,
    host: address.address,
    port: address.port,
    get liveClients() {
      return clients.size;
    },
    async close() {
      clearInterval(pushTimer);
      clearInterval(heartbeat);
      for (const unsubscribe of unsubscribers) unsubscribe();
      for (const client of clients) client.end();
      clients.clear();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
