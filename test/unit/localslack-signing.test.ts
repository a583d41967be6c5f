import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../src/localslack/index.js';

describe("local Slack's request signing", () => {
  const body = 'token=x&team_id=T0LAB&command=%2Flvs&text=status';
  const now = Math.floor(Date.now() / 1000);

  it("is accepted by Bolt's own verifier", () => {
    const headers = signRequest('the-secret', body, now);
    expect(headers['x-slack-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(() =>
      verifySlackRequest({
        signingSecret: 'the-secret',
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow();
  });

  it('is refused by Bolt when made with another secret, or over another body', () => {
    const forged = signRequest('another-secret', body, now);
    const verify = (signature: string, text: string) =>
      verifySlackRequest({
        signingSecret: 'the-secret',
        body: text,
        headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': now },
      });
    expect(() => verify(forged['x-slack-signature'], body)).toThrow(/signature mismatch/);
    expect(() =>
      verify(signRequest('the-secret', body, now)['x-slack-signature'], `${body}&text=drain`),
    ).toThrow(/signature mismatch/);
  });

  it("matches the example in Slack's documentation", () => {
    // api.slack.com/authentication/verifying-requests-from-slack: secret, timestamp and body from the guide.
    const example =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signRequest('8f742231b10e8888abcd99yyyzzz85a5', example, 1531420618)['x-slack-signature']).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});
