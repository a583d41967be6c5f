import { describe, expect, it } from 'vitest';
import { parseArguments } from '../../src/localslack/web-api/request-arguments.js';

const none = new URLSearchParams();

describe('reading Web API arguments as Slack does', () => {
  it('reads form fields, with blocks left as the JSON string the client sent', () => {
    const body = Buffer.from(
      new URLSearchParams({ channel: 'C0LVSOPS', blocks: '[{"type":"divider"}]' }).toString(),
    );
    expect(parseArguments('POST', none, 'application/x-www-form-urlencoded', body)).toEqual({
      ok: true,
      args: { channel: 'C0LVSOPS', blocks: '[{"type":"divider"}]' },
      warnings: [],
      bodyHadToken: false,
      json: false,
    });
  });

  it('reads JSON bodies, ignores a token in them, and warns when the charset is missing', () => {
    const result = parseArguments(
      'POST',
      none,
      'application/json',
      Buffer.from('{"channel":"C0LVSOPS","token":"xoxb-x"}'),
    );
    expect(result).toEqual({
      ok: true,
      args: { channel: 'C0LVSOPS' },
      warnings: ['missing_charset'],
      bodyHadToken: true,
      json: true,
    });
  });

  it('reads query parameters, with the body winning over them', () => {
    const query = new URLSearchParams({ channel: 'C0GENERAL', limit: '5' });
    const result = parseArguments(
      'POST',
      query,
      'application/x-www-form-urlencoded',
      Buffer.from('channel=C0LVSOPS'),
    );
    expect(result.ok && result.args).toEqual({ channel: 'C0LVSOPS', limit: '5' });
  });

  it('reads the text fields of a multipart body and skips files', () => {
    const body = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="channel"\r\n\r\nC0LVSOPS\r\n' +
        '--b\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\n\r\nbytes\r\n--b--\r\n',
    );
    const result = parseArguments('POST', none, 'multipart/form-data; boundary=b', body);
    expect(result.ok && result.args).toEqual({ channel: 'C0LVSOPS' });
  });

  it("names what it cannot read with Slack's errors", () => {
    const json = 'application/json; charset=utf-8';
    expect(parseArguments('POST', none, json, Buffer.from('{'))).toEqual({
      ok: false,
      error: 'invalid_json',
    });
    expect(parseArguments('POST', none, json, Buffer.from('"text"'))).toEqual({
      ok: false,
      error: 'json_not_object',
    });
    expect(parseArguments('POST', none, 'text/csv', Buffer.from('a,b'))).toEqual({
      ok: false,
      error: 'invalid_post_type',
    });
    expect(parseArguments('POST', none, 'multipart/form-data', Buffer.from('x'))).toEqual({
      ok: false,
      error: 'invalid_form_data',
    });
  });
});
