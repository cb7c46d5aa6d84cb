import type { DeliveryOutcome } from '@callrelay/core';

/** Slack error words that may pass on a later attempt (Slack's side, not the message's). */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'rollup_error', 'team_added_to_org']);
/** Rate limiting reported in a body rather than as HTTP 429. */
const RATE_LIMITED = new Set(['ratelimited', 'rate_limited']);

/** What the user should do about each permanent error; the word alone is often cryptic. */
const HINTS: Record<string, string> = {
  not_authed: 'no token was sent',
  invalid_auth: 'the token is not valid: check `token` (a bot token, xoxb-...)',
  account_inactive: 'the token belongs to a deleted user or workspace',
  token_revoked: 'the token was revoked: reinstall the app and update `token`',
  token_expired: 'the token expired: update `token`',
  missing_scope: 'the app lacks the chat:write scope',
  no_permission: 'the app may not post here',
  channel_not_found: 'no such channel, or the app cannot see it (invite the app to a private channel; prefer the channel id)',
  not_in_channel: 'the app is not a member of the channel: /invite it there',
  is_archived: 'the channel is archived',
  channel_is_archived: 'the channel is archived',
  restricted_action: 'a workspace setting stops the app from posting in this channel',
  ekm_access_denied: 'an administrator suspended posting',
  invalid_blocks: 'the blocks are not valid Block Kit: check the `blocks` template',
  invalid_blocks_format: 'the blocks are not a JSON array: check the `blocks` template',
  invalid_payload: 'Slack could not read the message: check the `blocks` template',
  no_text: 'the message is empty',
  msg_too_long: 'the message text is too long',
  too_many_attachments: 'the message has too many attachments',
  invalid_token: 'the webhook was revoked or its URL is wrong: create a new webhook and update `webhookUrl`',
  no_service: 'no webhook has this URL (removed, or mistyped): update `webhookUrl`',
  no_service_id: 'the webhook URL is incomplete: update `webhookUrl`',
  no_team: 'the webhook URL names no workspace: update `webhookUrl`',
  team_disabled: 'the workspace is disabled',
  action_prohibited: 'a workspace restriction stops the webhook from posting here',
  posting_to_general_channel_denied: 'only admins may post to this channel',
  user_not_found: 'the user named in the message does not exist',
};

/** `channel_not_found (no such channel, ...)`: the word Slack sent and what it means. */
export function explainSlackError(word: string): string {
  const hint = HINTS[word];
  return hint ? `${word} (${hint})` : word;
}

/**
 * The outcome of an error word from Slack: rate limiting is retried without spending an attempt,
 * transient server errors are retried, everything else (credentials, channel, message) is
 * permanent: retrying the same message to the same place cannot succeed.
 */
export function outcomeOfSlackError(word: string, what: string, retryAfterMs?: number): DeliveryOutcome {
  const reason = `${what}: ${explainSlackError(word)}`;
  if (RATE_LIMITED.has(word)) return { status: 'retry', reason, retryAfterMs, countsAsAttempt: false };
  if (TRANSIENT.has(word)) return { status: 'retry', reason, retryAfterMs };
  return { status: 'failed', reason };
}

