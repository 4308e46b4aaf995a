import { describe, expect, it } from 'vitest';
import type { Rules } from '../../bindings';
import { asksFunding, cashRefused, needsPayerName } from './rules';

const RULES: Rules = {
  balance_cap_registered: '5000.00',
  balance_cap_anonymous: '1000.00',
  real_name_threshold: '10000.00',
  cash_limit_company: '5000.00',
  cash_limit_person: '50000.00',
  credit_funding_allowed: false,
  redemption_min_months: 3,
  anonymous_validity_years: 3,
};

describe('top-up payer fields', () => {
  it('asks the payer name for bank transfers only', () => {
    expect(needsPayerName('bank_transfer')).toBe(true);
    expect(needsPayerName('cash')).toBe(false);
  });

  it('asks the funding source where a credit card could pay', () => {
    expect(asksFunding('unionpay')).toBe(true);
    expect(asksFunding('cash')).toBe(false);
    expect(asksFunding('bank_transfer')).toBe(false);
  });

  it('warns before cash at or above the limit for the payer type', () => {
    expect(cashRefused(RULES, 'cash', 'company', '4999.99')).toBe(false);
    expect(cashRefused(RULES, 'cash', 'company', '5000')).toBe(true);
    expect(cashRefused(RULES, 'cash', 'person', '5000')).toBe(false);
    expect(cashRefused(RULES, 'cash', 'person', '50000.00')).toBe(true);
    expect(cashRefused(RULES, 'bank_transfer', 'company', '90000')).toBe(false);
    expect(cashRefused(RULES, 'cash', 'company', 'abc')).toBe(false);
  });
});
