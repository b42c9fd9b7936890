/**
 * `GET /api/events`: Server-Sent Events carrying the live events (crm/support LiveEvent) a user may
 * see. Each stream re-reads the user's queues now and then, ends when the session is revoked or
 * expires, and ends at shutdown so the server can close.
 */
import type { Request, Response } from 'express';
import type { LiveEvent } from '../../crm/support';
import type { SessionService } from '../../crm/users';
import type { Logger } from '../logger';
import type { AuthContext } from '../auth';

/** Where live events come from (the Redis fan-out on every instance). */
export interface LiveEventSource {
  /** Resolves once events flow; the function it gives unsubscribes. */
  subscribe(listener: (event: LiveEvent) => void): Promise<() => void> | (() => void);
}

interface Scope {
  all: boolean;
  userId: string;
  queues: Set<string>;
}

interface Client {
  res: Response;
  auth: AuthContext;
  scope: Scope;
}

export interface LiveStreamsOptions {
  sessions: SessionService;
  source?: LiveEventSource;
  log: Logger;
  scopeOf: (auth: AuthContext) => Promise<Scope>;
  isStopping?: () => boolean;
  /** Keep-alive comment and session re-check period. */
  heartbeatMs?: number;
}

export function visibleTo(scope: Scope, event: LiveEvent): boolean {
  if (event.type === 'agent.changed') return true;
  return scope.all || scope.queues.has(event.queueId) || event.assignedAgentId === scope.userId;
}

export class LiveStreams {
  private readonly clients = new Set<Client>();
  private subscription?: Promise<(() => void) | undefined>;
  private timer?: NodeJS.Timeout;
  private stopWatch?: NodeJS.Timeout;

  constructor(private readonly o: LiveStreamsOptions) {}

  get size(): number {
    return this.clients.size;
  }

  async open(req: Request, res: Response, auth: AuthContext): Promise<void> {
    const scope = await this.o.scopeOf(auth);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    const client: Client = { res, auth, scope };
    this.clients.add(client);
    this.start();
    const done = () => {
      if (!this.clients.delete(client)) return;
      if (this.clients.size === 0) this.stop();
    };
    req.on('close', done);
    res.on('close', done);
    // "ready" only once the subscription is live, so nothing published after it is missed.
    await this.subscription;
    if (!res.writableEnded) res.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ userId: auth.user.id, live: !!this.o.source })}\n\n`);
  }

  private start(): void {
    if (this.timer) return;
    const source = this.o.source;
    this.subscription = source
      ? Promise.resolve(source.subscribe((event) => this.dispatch(event))).catch((err: unknown) => {
          this.o.log.error({ err }, 'live events unavailable');
          return undefined;
        })
      : Promise.resolve(undefined);
    this.timer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs ?? 20_000);
    this.timer.unref();
    if (this.o.isStopping) {
      this.stopWatch = setInterval(() => {
        if (this.o.isStopping!()) this.close();
      }, 500);
      this.stopWatch.unref();
    }
  }

  private stop(): void {
    const subscription = this.subscription;
    this.subscription = undefined;
    void subscription?.then((unsubscribe) => unsubscribe?.());
    clearInterval(this.timer);
    clearInterval(this.stopWatch);
    this.timer = undefined;
    this.stopWatch = undefined;
  }

  private dispatch(event: LiveEvent): void {
    for (const c of this.clients) {
      // A change to the user's own agent profile may change their queues.
      if (event.type === 'agent.changed' && event.userId === c.auth.user.id && !c.scope.all) {
        void this.o.scopeOf(c.auth).then((s) => (c.scope = s)).catch(() => undefined);
      }
      if (visibleTo(c.scope, event)) c.res.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  }

  private async heartbeat(): Promise<void> {
    for (const c of [...this.clients]) {
      try {
        if (!(await this.o.sessions.isActive(c.auth.session.id))) {
          c.res.write(`event: signed-out\ndata: {}\n\n`);
          c.res.end();
          continue;
        }
        c.scope = await this.o.scopeOf(c.auth);
        c.res.write(`: keep-alive\n\n`);
      } catch (err) {
        this.o.log.warn({ err }, 'live stream check failed');
      }
    }
  }

  /** Ends the streams of one session (signed out on this instance; others notice at the next heartbeat). */
  endSession(sessionId: string): void {
    for (const c of [...this.clients]) {
      if (c.auth.session.id !== sessionId) continue;
      c.res.write(`event: signed-out\ndata: {}\n\n`);
      c.res.end();
    }
  }

  /** Ends every stream (shutdown). */
  close(): void {
    for (const c of [...this.clients]) c.res.end();
    this.clients.clear();
    this.stop();
  }
}
