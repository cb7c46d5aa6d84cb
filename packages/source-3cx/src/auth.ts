import { allOf, IpAllowList, verifySharedToken, type IncomingWebhook, type VerifyResult } from '@callrelay/core';
import type { ThreeCxAuth } from './config.js';

/**
 * The request verifier for a 3CX source. The WebhooksApi add-on signs nothing, so the credentials
 * are a shared token (usually in the URL) and/or the 3CX server's address. Fails closed: an auth
 * object that configures no method (prevented by the schema) verifies nothing.
 */
export function threeCxVerifier(auth: ThreeCxAuth): (request: IncomingWebhook) => VerifyResult {
  if (auth === 'none') return () => ({ ok: true });
  const allowList = auth.allowIps ? new IpAllowList(auth.allowIps) : undefined;
  const token = auth.token;
  if (!allowList && !token) return () => ({ ok: false, reason: 'no verification method configured' });
  return (request) => allOf(
    allowList ? allowList.verify(request) : { ok: true },
    token ? verifySharedToken(request, { token: token.value, header: token.header, queryParam: token.queryParam }) : { ok: true },
  );
}
