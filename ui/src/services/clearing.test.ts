import { describe, expect, it } from 'vitest';
import {
  canChangeContract,
  canMarkPayout,
  coverageShort,
  dayString,
  formatBps,
  formatCoverage,
  gradeColor,
  lastDay,
  merchantLabel,
  MERCHANT_STATUSES,
  merchantStatusColor,
  nextOnboardingStep,
  payoutStatusColor,
  progressPercent,
  rangeOutcome,
  sortExceptions,
  statementFileName,
  statusTargets,
  sumAmounts,
  type ChannelException,
  type SettleRangeReport,
  type SettleSummary,
  type SettlementLine,
} from './clearing';

const line = (status: string, payout: string): SettlementLine => ({
  merchant: 1, status, payout, gross: '0.00', refunds: '0.00', fees: '0.00', fee_issuer: '0.00',
  fee_operator: '0.00', net: '0.00', carry_in: '0.00', carry_out: '0.00',
});

describe('clearing helpers', () => {
  it('formats basis points exactly', () => {
    expect(formatBps(60)).toBe('0.60%');
    expect(formatBps(5)).toBe('0.05%');
    expect(formatBps(1250)).toBe('12.50%');
    expect(formatBps(-10)).toBe('-0.10%');
    expect(formatBps(0)).toBe('0.00%');
    expect(formatBps(null)).toBe('—');
  });

  it('formats coverage as a percentage and flags < 100%', () => {
    expect(formatCoverage('0.9800')).toBe('98.00%');
    expect(formatCoverage('1.0000')).toBe('100.00%');
    expect(formatCoverage('12.3456')).toBe('1234.56%');
    expect(formatCoverage(null)).toBe('—');
    expect(coverageShort('0.9999')).toBe(true);
    expect(coverageShort('1.0000')).toBe(false);
    expect(coverageShort('1.5')).toBe(false);
    expect(coverageShort(null)).toBe(false);
  });

  it('gives every merchant status a colour and sensible next steps', () => {
    for (const s of MERCHANT_STATUSES) expect(merchantStatusColor(s)).toMatch(/\w+/);
    expect(merchantStatusColor('active')).toBe('green');
    expect(merchantStatusColor('terminated')).toBe('red');
    expect(nextOnboardingStep('applied')).toBe('submit');
    expect(nextOnboardingStep('rejected')).toBe('submit');
    expect(nextOnboardingStep('submitted')).toBe('review');
    expect(nextOnboardingStep('approved')).toBe('contract');
    expect(nextOnboardingStep('active')).toBeNull();
    expect(statusTargets('contracted')).toEqual(['active', 'terminated']);
    expect(statusTargets('active')).toEqual(['suspended', 'terminated']);
    expect(statusTargets('suspended')).toEqual(['active', 'terminated']);
    expect(statusTargets('terminated')).toEqual([]);
    expect(canChangeContract('active')).toBe(true);
    expect(canChangeContract('submitted')).toBe(false);
  });

  it('maps grades and payout statuses to tags', () => {
    expect(gradeColor('A')).toBe('green');
    expect(gradeColor('D')).toBe('red');
    expect(gradeColor(null)).toBe('default');
    expect(payoutStatusColor('pending')).toBe('gold');
    expect(payoutStatusColor('paid')).toBe('green');
    expect(canMarkPayout(line('pending', '10.00'))).toBe(true);
    expect(canMarkPayout(line('none', '0.00'))).toBe(false);
    expect(canMarkPayout(line('paid', '10.00'))).toBe(false);
  });

  it('sums amounts in fen and sorts open exceptions first', () => {
    expect(sumAmounts(['0.10', '0.20', '-0.05'])).toBe('0.25');
    expect(sumAmounts([])).toBe('0.00');
    const ex = (id: number, resolved: boolean): ChannelException => ({
      id, resolved, side: 'channel', channel: 'wechat', reference: 'r', amount: '1.00', reason: 'x', note: null,
    });
    expect(sortExceptions([ex(1, true), ex(3, false), ex(2, false)]).map((e) => e.id)).toEqual([2, 3, 1]);
  });

  it('builds days and file names', () => {
    expect(dayString(new Date(2026, 2, 5))).toBe('2026-03-05');
    expect(statementFileName(7, '2026-03-01', 'pdf')).toBe('statement-7-2026-03-01.pdf');
    expect(merchantLabel(7, new Map([[7, '品牌甲']]))).toBe('7 品牌甲');
    expect(merchantLabel(8, new Map())).toBe('8');
  });
});

describe('catch-up settlement helpers', () => {
  const day = (date: string, replayed = false): SettleSummary => ({
    date, batch_id: 1, merchants: 1, gross: '1.00', refunds: '0.00', fees: '0.01', net: '0.99', replayed,
    fee_issuer: '0.00', fee_operator: '0.01', payout: '0.99',
  });
  const report = (days: SettleSummary[], cancelled = false): SettleRangeReport => ({
    from: '2026-03-01', to: '2026-03-03', days, settled: days.filter((d) => !d.replayed).length,
    replayed: days.filter((d) => d.replayed).length, cancelled, next_day: cancelled ? '2026-03-02' : null,
  });

  it('turns progress into a whole percentage without dividing by zero', () => {
    expect(progressPercent(null)).toBe(0);
    expect(progressPercent({ done: 0, total: 0, stage: 'committed' })).toBe(0);
    expect(progressPercent({ done: 1, total: 3, stage: 'settled' })).toBe(33);
    expect(progressPercent({ done: 3, total: 3, stage: 'committed' })).toBe(100);
    expect(progressPercent({ done: 5, total: 3, stage: 'settled' })).toBe(100);
  });

  it('says how a run ended and which day to show', () => {
    expect(rangeOutcome(report([day('2026-03-01'), day('2026-03-02', true)]))).toBe('done');
    expect(rangeOutcome(report([]))).toBe('nothing');
    expect(rangeOutcome(report([day('2026-03-01')], true))).toBe('cancelled');
    expect(lastDay(report([day('2026-03-01'), day('2026-03-02')]))).toBe('2026-03-02');
    expect(lastDay(report([]))).toBeNull();
  });
});
