import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { TranscriptStore } from '../../crm';
import { seqOfActivityId } from '../../crm';
import { HttpError } from '../errors';
import type { TranscriptBus, ActivityBatch } from './bus';
import type { DirectLineService } from './service';
import { parseWatermark } from './service';
import type { DirectLineTokens } from './tokens';

export interface DirectLineStreamOptions {
  service: DirectLineService;
  tokens: DirectLineTokens;
  transcripts: TranscriptStore;
  bus: TranscriptBus;
  log: Logger;
  heartbeatMs?: number;
  /** How often streams read the transcript while Redis pushes do not arrive (default 1 s). */
  pollMs?: number;
}

const SUBSCRIBE_WAIT_MS = 1_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;

/**
 * The Direct Line WebSocket stream: the backlog after the client's watermark, then every new activity,
 * whichever instance stored it (Redis). Activities are sent once each, in order.
 */
export class DirectLineStream {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly heartbeat: NodeJS.Timeout;
  private readonly poll: NodeJS.Timeout;
  private readonly catchUps = new Map<WebSocket, () => Promise<void>>();
  private wasLive = true;
  private polling = false;

  constructor(private readonly o: DirectLineStreamOptions) {
    this.poll = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      void this.pollWhileNotLive().finally(() => (this.polling = false));
    }, o.pollMs ?? 1_000);
    this.poll.unref();
    this.heartbeat = setInterval(() => {
      for (const ws of this.wss.clients) {
        const alive = ws as WebSocket & { alive?: boolean };
        if (alive.alive === false) {
          ws.terminate();
          continue;
        }
        alive.alive = false;
        ws.ping();
      }
    }, o.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = PATH.exec(url.pathname);
      if (!match) {
        reject(socket, 404, 'not found');
        return;
      }
      void this.accept(req, socket, head, decodeURIComponent(match[1]), url).catch((err: unknown) => {
        if (err instanceof HttpError) reject(socket, err.status, err.message);
        else {
          this.o.log.error({ err }, 'stream upgrade failed');
          reject(socket, 500, 'internal error');
        }
      });
    });
  }

  private async accept(req: IncomingMessage, socket: Duplex, head: Buffer, conversationId: string, url: URL): Promise<void> {
    const claims = this.o.tokens.verify(url.searchParams.get('t') ?? '');
    await this.o.service.requireConversation(claims, conversationId);
    const watermark = parseWatermark(url.searchParams.get('watermark') ?? undefined);
    this.wss.handleUpgrade(req, socket, head, (ws) => void this.serve(ws, conversationId, watermark));
  }

  private async serve(ws: WebSocket, conversationId: string, watermark: number | null): Promise<void> {
    (ws as WebSocket & { alive?: boolean }).alive = true;
    ws.on('pong', () => ((ws as WebSocket & { alive?: boolean }).alive = true));
    let lastSent = watermark ?? -1;
    // Until the backlog is read, and while the transcript is read again, pushes wait here and go
    // out after it, so the order holds.
    let started = false;
    let reading = false;
    let readAgain = false;
    const pending: ActivityBatch[] = [];
    const send = (batch: ActivityBatch) => {
      const fresh = batch.activities.filter((a) => (seqOfActivityId(a.id) ?? -1) > lastSent);
      if (fresh.length === 0 || ws.readyState !== ws.OPEN) return;
      lastSent = seqOfActivityId(fresh[fresh.length - 1].id) ?? lastSent;
      ws.send(JSON.stringify({ activities: fresh, watermark: String(lastSent) }));
    };
    /** Sends what the transcript holds after the last activity sent, then the pushes that came meanwhile. */
    const catchUp = async (): Promise<void> => {
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      try {
        do {
          readAgain = false;
          let page = await this.o.transcripts.since(conversationId, lastSent < 0 ? null : lastSent);
          while (page.activities.length > 0 && ws.readyState === ws.OPEN) {
            send({ conversationId, activities: page.activities, watermark: page.watermark ?? 0 });
            page = await this.o.transcripts.since(conversationId, page.watermark);
          }
        } while (readAgain && ws.readyState === ws.OPEN);
      } finally {
        reading = false;
        for (const batch of pending.splice(0)) send(batch);
      }
    };
    // Subscribe before reading the backlog so nothing stored in between is missed; duplicates are
    // filtered by seq. A push that skips a sequence number means a push was lost (Redis was away when
    // it was published): the transcript fills the gap.
    const subscription = this.o.bus.subscribe(conversationId, (batch) => {
      if (!started || reading) {
        pending.push(batch);
        return;
      }
      const first = seqOfActivityId(batch.activities[0]?.id ?? '') ?? -1;
      if (first > lastSent + 1) {
        pending.push(batch);
        void catchUp().catch(() => undefined);
      } else send(batch);
    });
    subscription.catch(() => undefined);
    ws.on('close', () => {
      this.catchUps.delete(ws);
      void subscription.then((unsubscribe) => unsubscribe()).catch(() => undefined);
    });
    ws.on('error', () => ws.terminate());
    // Clients only listen on this socket; anything they send is ignored.
    ws.on('message', () => undefined);
    // With Redis away the subscription completes when it is back: the stream starts now, from the
    // transcript, and reads it again every poll until pushes arrive.
    await Promise.race([subscription, delay(SUBSCRIBE_WAIT_MS)]).catch(() => undefined);
    started = true;
    try {
      await catchUp();
    } catch (err) {
      this.o.log.error({ err }, 'stream backlog failed');
      ws.close(1011, 'backlog unavailable');
      return;
    }
    if (ws.readyState === ws.OPEN) this.catchUps.set(ws, catchUp);
  }

  /** Every poll while pushes do not arrive, and once when they are back, each stream reads the transcript. */
  private async pollWhileNotLive(): Promise<void> {
    const live = this.o.bus.live;
    const wasLive = this.wasLive;
    this.wasLive = live;
    if (live && wasLive) return;
    await Promise.all([...this.catchUps.values()].map((catchUp) => catchUp().catch(() => undefined)));
  }

  close(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.poll);
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    this.wss.close();
  }
}

function reject(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthorized' : 'rejected', message } });
  socket.write(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.destroy();
}
