import { personalisationRequestIn } from '../../nlp';

describe('personalisation consent in words (pure)', () => {
  it.each([
    'stop personalising',
    'Please stop personalizing my recommendations.',
    "don't use my data for recommendations",
    'Do not use my personal data to personalise anything',
    'stop using my purchase history for suggestions'.replace('purchase history', 'history'),
    'stop tracking me',
    'Please don’t track me',
    'I want no more personalised recommendations',
    'turn off personalisation please',
    'opt out of personalization',
    '不要再给我个性化推荐',
    '别用我的数据做推荐',
    '请关闭个性化推荐',
    '不要追踪我',
    '停止个性化',
  ])('withdraws: %s', (text) => {
    expect(personalisationRequestIn(text)).toBe('withdraw');
  });

  it.each([
    'you can personalise again',
    'Please personalize my recommendations again',
    'resume personalisation',
    'turn personalisation back on',
    'you can use my data for recommendations again',
    '可以恢复个性化推荐',
    '恢复个性化',
    '重新开启个性化推荐',
    '可以用我的数据做推荐了',
  ])('grants: %s', (text) => {
    expect(personalisationRequestIn(text)).toBe('grant');
  });

  it.each([
    'what would you recommend?',
    'I love personalised gifts, do you engrave mugs?',
    'can you track my order A10042?',
    'stop, I want a person',
    'how do you use my data?',
    'please delete my data',
    'I love tea',
    '有什么推荐的吗？',
    '帮我查一下订单',
    '删除我的个人数据',
  ])('neither: %s', (text) => {
    expect(personalisationRequestIn(text)).toBeNull();
  });

  it('a negation wins over the words of a grant in the same message', () => {
    expect(personalisationRequestIn("don't personalise again")).toBe('withdraw');
    expect(personalisationRequestIn('不要再恢复个性化')).toBe('withdraw');
  });
});
