import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSinkContract, testContext, type DestinationBehaviour } from '@callrelay/testkit';
import teams from '../src/index.js';

/** A loopback stand-in for the Teams webhook that answers as the contract case asks. */
let behaviour: DestinationBehaviour = 'ok';
let accepted = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (behaviour === 'ok') { accepted += 1; res.writeHead(200).end('1'); }
    else if (behaviour === 'retryable') res.writeHead(503).end();
    else if (behaviour === 'permanent') res.writeHead(410).end();
    else if ('retryAfterSec' in behaviour) res.writeHead(429, { 'retry-after': String(behaviour.retryAfterSec) }).end();
    else res.writeHead(500).end();
  });
});

runSinkContract('teams (outside plugin)', {
  async create() {
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return teams.create(teams.config.parse({ webhookUrl: `http://127.0.0.1:${port}/webhook` }), testContext({ id: 'teams' }));
  },
  setBehaviour: (next) => { behaviour = next; },
  received: () => accepted,
  cleanup: () => new Promise<void>((resolve) => server.close(() => resolve())),
});
