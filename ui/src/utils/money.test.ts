import { describe, expect, it } from 'vitest';
import { compareAmounts, fromFen, isPositiveAmount, multiplyAmount, parseAmount, toFen } from './money';

describe('parseAmount', () => {
  it('normalises plain decimals to two places', () => {
    expect(parseAmount('12')).toBe('12.00');
    expect(parseAmount('12.5')).toBe('12.50');
    expect(parseAmount(' 007.05 ')).toBe('7.05');
    expect(parseAmount('0')).toBe('0.00');
    expect(parseAmount('90071992547409930.01')).toBe('90071992547409930.01');
  });

  it('refuses anything else', () => {
    for (const bad of ['', ' ', '-1', '+1', '1.234', '1e3', '1,000', '.5', '5.', '¥5', 'abc', '1 000', '0x10']) {
      expect(parseAmount(bad), bad).toBeNull();
    }
  });

  it('knows a positive amount', () => {
    expect(isPositiveAmount('0.01')).toBe(true);
    expect(isPositiveAmount('0.00')).toBe(false);
    expect(isPositiveAmount('0')).toBe(false);
    expect(isPositiveAmount('x')).toBe(false);
  });
});

describe('fen arithmetic', () => {
  it('converts both ways without floats', () => {
    expect(toFen('12.30')).toBe(1230n);
    expect(toFen('-0.05')).toBe(-5n);
    expect(toFen('7')).toBe(700n);
    expect(fromFen(1230n)).toBe('12.30');
    expect(fromFen(-5n)).toBe('-0.05');
    expect(fromFen(0n)).toBe('0.00');
    expect(() => toFen('1.234')).toThrow(RangeError);
  });

  it('multiplies and compares exactly', () => {
    expect(multiplyAmount('0.10', 3)).toBe('0.30');
    expect(multiplyAmount('500.00', 20)).toBe('10000.00');
    expect(compareAmounts('10000.00', '10000')).toBe(0);
    expect(compareAmounts('9999.99', '10000.00')).toBe(-1);
    expect(compareAmounts('0.30', '0.1')).toBe(1);
    expect(() => multiplyAmount('1.00', 1.5)).toThrow(RangeError);
  });
});
