import { describe, expect, it } from 'vitest';
import { maskCard, maskIdNumber, maskName, maskPhone } from './mask';

describe('masking (same shapes as the core)', () => {
  it('masks card numbers: first 6, nine *, last 4', () => {
    expect(maskCard('6200580000000001234')).toBe('620058*********1234');
    expect(maskCard('620058*********1234')).toBe('620058*********1234');
    expect(maskCard('123')).toBe('***');
  });

  it('masks phones, ID numbers and names', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('Li')).toBe('L*');
    expect(maskName('')).toBe('');
  });

  it('never reveals a value of an unexpected length', () => {
    expect(maskPhone('1381234')).toBe('*******');
    expect(maskIdNumber('110105')).toBe('******');
  });
});
