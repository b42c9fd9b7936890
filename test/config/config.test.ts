import { ConfigError, parseConfig } from '../../config';

describe('configuration', () => {
  it('has working defaults: embedded database, default Redis, port 3978', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ PORT: 3978, embeddedDatabase: true, redisDefaulted: true, redisUrl: 'redis://127.0.0.1:6379', LOG_MESSAGE_TEXT: false, MicrosoftAppType: 'SingleTenant' });
  });

  it('treats empty values as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', REDIS_URL: '' }).embeddedDatabase).toBe(true);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT:/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be a postgres:\/\/ URL/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL: must be a redis:\/\/ URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL:/],
    [{ DIRECTLINE_SECRET: 'short' }, /DIRECTLINE_SECRET: must be at least 32 characters/],
    [{ MicrosoftAppId: 'app', MicrosoftAppPassword: 'pw' }, /MicrosoftAppTenantId: required/],
    [{ MicrosoftAppId: 'app', MicrosoftAppTenantId: 't' }, /MicrosoftAppPassword: required/],
    [{ SUPPORT_TIME_ZONE: 'Mars/Olympus_Mons' }, /SUPPORT_TIME_ZONE: must be an IANA time zone/],
    [{ SUPPORT_TIME_ZONE: '+01:00' }, /SUPPORT_TIME_ZONE: must be an IANA time zone/],
  ])('names the variable and the problem: %j', (env, message) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });

  it('takes the support time zone as an IANA name, canonicalised; UTC by default', () => {
    expect(parseConfig({}).SUPPORT_TIME_ZONE).toBe('UTC');
    expect(parseConfig({ SUPPORT_TIME_ZONE: 'europe/berlin' }).SUPPORT_TIME_ZONE).toBe('Europe/Berlin');
    expect(parseConfig({ SUPPORT_TIME_ZONE: 'Asia/Shanghai' }).SUPPORT_TIME_ZONE).toBe('Asia/Shanghai');
  });
});
