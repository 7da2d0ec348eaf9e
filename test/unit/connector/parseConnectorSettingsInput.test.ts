import { parseConnectorSettingsInput } from '../../../src/connector/parseConnectorSettingsInput';

describe('parseConnectorSettingsInput', () => {
  test.each([
    [{}, {}],
    [{ clientId: ' abc ' }, { clientId: 'abc' }],
    [{ clientId: null, clientSecret: '' }, { clientId: null, clientSecret: null }],
    [{ webhookUrl: 'https://hooks.example.com/j' }, { webhookUrl: 'https://hooks.example.com/j' }],
    [{ webhookUrl: '' }, { webhookUrl: null }],
    [{ returnUrlOrigins: ['https://A.example.com/', 'https://a.example.com', 'http://localhost:3000'] }, { returnUrlOrigins: ['https://a.example.com', 'http://localhost:3000'] }],
    [{ returnUrlOrigins: null }, { returnUrlOrigins: [] }],
  ])('when the input is %j, then the patch is %j', (input, patch) => {
    expect(parseConnectorSettingsInput(input)).toEqual({ ok: true, patch });
  });

  test.each([
    [{ clientId: 'has space' }, ['clientId']],
    [{ clientId: 'bell\u0007char' }, ['clientId']],
    [{ clientSecret: 'x'.repeat(600) }, ['clientSecret']],
    [{ webhookUrl: 'http://hooks.example.com' }, ['webhookUrl']],
    [{ returnUrlOrigins: ['https://ok.example.com', 'http://bad.example.com', 'https://x.example.com/path'] }, ['returnUrlOrigins[1]', 'returnUrlOrigins[2]']],
    [{ clientId: 'a b', webhookUrl: 'nope' }, ['clientId', 'webhookUrl']],
  ])('when the input is %j, then every problem is reported (%j)', (input, names) => {
    const result = parseConnectorSettingsInput(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(names.length);
    names.forEach((name, index) => expect(result.errors[index]).toContain(name));
  });

  test('when a secret is refused, then the error does not repeat it', () => {
    const secret = `sec ret-${'z'.repeat(20)}`;
    const result = parseConnectorSettingsInput({ clientSecret: secret });
    expect(JSON.stringify(result)).not.toContain('zzzzzzzzzz');
  });
});
