import { describe, expect, it } from 'vitest';
import { formatCount, formatMoney } from './format';

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
