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
}

const PATH = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/;

/**
 * The Direct Line WebSocket stream: the backlog after the client's watermark, then every new activity,
 * whichever instance stored it (Redis). Activities are sent once each, in order.
 */
export class DirectLineStream {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly o: DirectLineStreamOptions) {
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
    let backlogDone = false;
    const pending: ActivityBatch[] = [];
    const send = (batch: ActivityBatch) => {
      const fresh = batch.activities.filter((a) => (seqOfActivityId(a.id) ?? -1) > lastSent);
      if (fresh.length === 0 || ws.readyState !== ws.OPEN) return;
      lastSent = seqOfActivityId(fresh[fresh.length - 1].id) ?? lastSent;
      ws.send(JSON.stringify({ activities: fresh, watermark: String(lastSent) }));
    };
    // Subscribe before reading the backlog so nothing stored in between is missed; duplicates are filtered by seq.
    const unsubscribe = await this.o.bus.subscribe(conversationId, (batch) => {
      if (backlogDone) send(batch);
      else pending.push(batch);
    });
    ws.on('close', () => void unsubscribe());
    ws.on('error', () => ws.terminate());
    // Clients only listen on this socket; anything they send is ignored.
    ws.on('message', () => undefined);
    try {
      let page = await this.o.transcripts.since(conversationId, watermark);
      while (page.activities.length > 0) {
        send({ conversationId, activities: page.activities, watermark: page.watermark ?? 0 });
        page = await this.o.transcripts.since(conversationId, page.watermark);
      }
    } catch (err) {
      this.o.log.error({ err }, 'stream backlog failed');
      ws.close(1011, 'backlog unavailable');
      return;
    }
    backlogDone = true;
    for (const batch of pending) send(batch);
  }

  close(): void {
    clearInterval(this.heartbeat);
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
