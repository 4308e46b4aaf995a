import { describe, expect, it } from 'vitest';
import { formatCount, formatDateTime, formatMoney, formatMoneySafe, formatSignedMoney } from './format';

describe('formatCount', () => {
  it('groups digits in both languages', () => {
    expect(formatCount(0, 'zh-CN')).toBe('0');
    expect(formatCount(1234567, 'zh-CN')).toBe('1,234,567');
    expect(formatCount(1234567, 'en-US')).toBe('1,234,567');
    expect(formatCount(12345678901234567890n, 'en-US')).toBe('12,345,678,901,234,567,890');
  });

  it('refuses fractions: a count is whole', () => {
    expect(() => formatCount(1.5, 'zh-CN')).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it('shows yuan with two decimals and grouping', () => {
    expect(formatMoney('0', 'zh-CN')).toBe('¥0.00');
    expect(formatMoney('1234.5', 'zh-CN')).toBe('¥1,234.50');
    expect(formatMoney('1234.50', 'en-US')).toBe('¥1,234.50');
    expect(formatMoney('-0.30', 'zh-CN')).toBe('-¥0.30');
    expect(formatMoney('-0.00', 'zh-CN')).toBe('¥0.00');
  });

  it('keeps every fen of amounts beyond a float mantissa', () => {
    expect(formatMoney('90071992547409930.01', 'zh-CN')).toBe('¥90,071,992,547,409,930.01');
  });

  it('refuses anything but a decimal string with at most two decimals', () => {
    for (const bad of ['', 'abc', '1.234', '1e3', '1,000.00', '.5', '--1']) {
      expect(() => formatMoney(bad, 'zh-CN'), bad).toThrow(RangeError);
    }
  });
});

describe('formatSignedMoney', () => {
  it('marks credits with + and leaves zero unsigned', () => {
    expect(formatSignedMoney('100.00', 'zh-CN')).toBe('+¥100.00');
    expect(formatSignedMoney('-30.5', 'zh-CN')).toBe('-¥30.50');
    expect(formatSignedMoney('0.00', 'en-US')).toBe('¥0.00');
  });
});

describe('formatMoneySafe', () => {
  it('never throws on what the shell sends', () => {
    expect(formatMoneySafe('1234.5', 'zh-CN')).toBe('¥1,234.50');
    expect(formatMoneySafe('n/a', 'zh-CN')).toBe('n/a');
    expect(formatMoneySafe(null, 'zh-CN')).toBe('—');
  });
});

describe('formatDateTime', () => {
  it('shows Asia/Shanghai wall time whatever the offset sent', () => {
    expect(formatDateTime('2026-11-27T10:03:12+08:00')).toBe('2026-11-27 10:03:12');
    expect(formatDateTime('2026-11-27T02:03:12Z')).toBe('2026-11-27 10:03:12');
    expect(formatDateTime('2026-11-26T16:30:00Z')).toBe('2026-11-27 00:30:00');
    expect(formatDateTime('garbage')).toBe('garbage');
  });
});
