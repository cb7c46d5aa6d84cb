// A receiver that verifies callrelay's Standard Webhooks signatures (npm i standardwebhooks).
// Usage: WEBHOOK_SECRET=whsec_... node receiver.mjs   (listens on PORT, default 9000)
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const secrets = (process.env.WEBHOOK_SECRET ?? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').split(',');
const seen = new Set(); // webhook-id is stable across retries: deduplicate on it

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString();
    const verified = secrets.some((secret) => {
      try { new Webhook(secret).verify(body, req.headers); return true; } catch { return false; }
    });
    if (!verified) { res.writeHead(401).end('invalid signature'); return; }
    const id = req.headers['webhook-id'];
    if (!seen.has(id)) {
      seen.add(id);
      const event = JSON.parse(body);
      console.log(JSON.stringify({ verified: true, id, type: event.type, callId: event.callId, from: event.from?.e164 ?? event.from?.raw }));
    }
    res.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 9000), '127.0.0.1', function () {
  console.error(`receiver listening on http://127.0.0.1:${this.address().port}/calls`);
});
