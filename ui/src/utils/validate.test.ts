import { describe, expect, it } from 'vitest';
import {
  idCheckChar,
  isValidCardNumber,
  isValidIdNumber,
  isValidName,
  isValidPhone,
  isValidScope,
  luhnCheckDigit,
  passwordStrength,
} from './validate';

describe('GB 11643 ID numbers', () => {
  it('computes the check character', () => {
    // The standard's own example.
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(idCheckChar('44052419800101001')).toBe('3');
  });

  it('accepts valid numbers, X in either case', () => {
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('11010519491231002x')).toBe(true);
    expect(isValidIdNumber('440524198001010013')).toBe(true);
  });

  it('refuses a wrong check character, a bad length, letters, impossible or future birth dates', () => {
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('11010519491231002')).toBe(false);
    expect(isValidIdNumber('1101051949123100XX')).toBe(false);
    const feb30 = `11010519490230001`;
    expect(isValidIdNumber(feb30 + idCheckChar(feb30))).toBe(false);
    const future = '11010520990101001';
    expect(isValidIdNumber(future + idCheckChar(future), new Date('2026-11-27'))).toBe(false);
    const old = '11010518990101001';
    expect(isValidIdNumber(old + idCheckChar(old))).toBe(false);
  });
});

describe('phones, names, scopes', () => {
  it('accepts mainland mobiles only', () => {
    expect(isValidPhone('13812345678')).toBe(true);
    expect(isValidPhone('19912345678')).toBe(true);
    for (const bad of ['12812345678', '1381234567', '+8613812345678', '138 1234 5678', '138123456789']) {
      expect(isValidPhone(bad), bad).toBe(false);
    }
  });

  it('accepts names as the core does', () => {
    expect(isValidName('张三')).toBe(true);
    expect(isValidName('Anna Li')).toBe(true);
    expect(isValidName('')).toBe(false);
    expect(isValidName(' 张三')).toBe(false);
    expect(isValidName('张\t三')).toBe(false);
    expect(isValidName('名'.repeat(65))).toBe(false);
  });

  it('accepts the three scope forms', () => {
    expect(isValidScope('mall:SH01')).toBe(true);
    expect(isValidScope('region:east')).toBe(true);
    expect(isValidScope('merchant:12')).toBe(true);
    expect(isValidScope('merchant:x')).toBe(false);
    expect(isValidScope('mall:')).toBe(false);
    expect(isValidScope('city:SH')).toBe(false);
  });
});

describe('card numbers', () => {
  it('computes Luhn check digits like the core', () => {
    expect(luhnCheckDigit('7992739871')).toBe(3);
    expect(luhnCheckDigit('')).toBe(0);
  });

  it('accepts 19 digits with a matching check digit only', () => {
    const payload = '620058000000000001';
    const valid = payload + String(luhnCheckDigit(payload));
    expect(isValidCardNumber(valid)).toBe(true);
    const wrong = payload + String((luhnCheckDigit(payload) + 1) % 10);
    expect(isValidCardNumber(wrong)).toBe(false);
    expect(isValidCardNumber(payload)).toBe(false);
    expect(isValidCardNumber(`${valid.slice(0, 18)}a`)).toBe(false);
  });
});

describe('password strength hint', () => {
  it('grades by length and character kinds', () => {
    expect(passwordStrength('abc')).toBe('weak');
    expect(passwordStrength('abcdefgh')).toBe('weak');
    expect(passwordStrength('abcdefg1')).toBe('fair');
    expect(passwordStrength('Abcdefgh1234!')).toBe('strong');
  });
});
