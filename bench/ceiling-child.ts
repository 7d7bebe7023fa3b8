/**
 * Child process: the ceiling. A bare node:http server answering every request with the same small JSON
 * body: what this machine and this Node.js can do over HTTP with no framework, no database and no work.
 * Every scenario is reported as a ratio to its requests/s.
 */
import http from 'node:http';
import { answerSamples, send, stopAfter } from './lib/child.js';

stopAfter(Number(process.env.BENCH_MAX_SECONDS ?? 3600));
answerSamples();
const body = Buffer.from(JSON.stringify({ hello: 'world' }));
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  response.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  send({ type: 'ready', port: address.port, pid: process.pid });
});
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') stop();
});
process.on('disconnect', stop);
