/**
 * The ceiling of the chat benchmark: the least a chat server must do per turn, on the same database
 * server, that is store the customer's message and the reply (two INSERTs on one pg pool) and answer
 * over HTTP. Run as a child process by bench/chat.ts; prints `listening <port>`.
 */
import http from 'node:http';
import { Pool } from 'pg';

async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  await pool.query(
    'create table if not exists ceiling_messages (id bigserial primary key, conversation_id text not null, direction text not null, text text not null, created_at timestamptz not null default now())',
  );
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      void (async () => {
        const { conversationId, text } = JSON.parse(body) as { conversationId: string; text: string };
        await pool.query('insert into ceiling_messages (conversation_id, direction, text) values ($1, $2, $3)', [conversationId, 'inbound', text]);
        const reply = `You wrote: ${text}`;
        await pool.query('insert into ceiling_messages (conversation_id, direction, text) values ($1, $2, $3)', [conversationId, 'outbound', reply]);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ reply }));
      })().catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
  process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
}

void main();
