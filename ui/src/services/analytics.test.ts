// The dashboards' service: the command names and arguments the shell expects (the CLI's flags,
// unset filters as null) and the display formatting, which must show the core's decimals exactly.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
}));

const analytics = await import('./analytics');

beforeEach(() => {
  invoke.mockReset();
  invoke.mockResolvedValue(null);
});

function lastCall(): unknown[] {
  return invoke.mock.calls[invoke.mock.calls.length - 1] ?? [];
}

describe('analytics commands', () => {
  const none = { from: null, to: null, region: null, mall: null };

  it.each([
    [() => analytics.dashboard('compare', {}), 'dashboard', { kind: 'compare', ...none }],
    [
      () => analytics.dashboard('regions', { from: '2025-01-01', to: ' 2025-12-31 ', region: '', mall: 'SH01' }),
      'dashboard',
      { kind: 'regions', from: '2025-01-01', to: '2025-12-31', region: null, mall: 'SH01' },
    ],
    [() => analytics.dashboardChart('card-types', { region: 'east' }), 'dashboard_chart', { kind: 'card-types', ...none, region: 'east' }],
    [
      () => analytics.dashboardExport('merchants', 'xlsx', '/tmp/m.xlsx', {}),
      'dashboard_export',
      { kind: 'merchants', ...none, format: 'xlsx', path: '/tmp/m.xlsx' },
    ],
    [() => analytics.forecast(7, 4), 'forecast', { merchant: 7, weeks: 4, lead_days: null }],
  ])('%#: sends %s', async (run, command, args) => {
    await run();
    expect(lastCall()).toEqual([command, args]);
  });

  it('hands the core SVG through untouched', async () => {
    invoke.mockResolvedValue('<svg width="1200"></svg>');
    await expect(analytics.dashboardChart('compare', {})).resolves.toBe('<svg width="1200"></svg>');
  });

  it('rejects with the core refusal code (operators may not read dashboards)', async () => {
    invoke.mockRejectedValue({ code: 'forbidden', message: 'user op (role operator) may not read the dashboards' });
    await expect(analytics.dashboard('compare', {})).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('analytics formatting', () => {
  it.each([
    ['0.4500', '45.00%'],
    ['0.1900', '19.00%'],
    ['1.1000', '110.00%'],
    ['-0.7000', '-70.00%'],
    ['-0.0050', '-0.50%'],
    ['0.123456', '12.3456%'],
    ['0', '0%'],
    [null, '-'],
    [undefined, '-'],
  ])('ratio %s -> %s', (value, shown) => {
    expect(analytics.formatRatio(value)).toBe(shown);
  });

  it('shows ratios as percentages and money and counts as sent', () => {
    expect(analytics.formatFigure('member_conversion', '0.7200')).toBe('72.00%');
    expect(analytics.formatFigure('avg_ticket', '1234.56')).toBe('1234.56');
    expect(analytics.formatFigure('footfall_per_mall', 1800000)).toBe('1800000');
    expect(analytics.formatFigure('avg_ticket', null)).toBe('-');
  });

  it('shows a reference as one value or a range', () => {
    expect(analytics.formatReference(['800.00', '1200.00'])).toBe('800.00 – 1200.00');
    expect(analytics.formatReference('0.4500', analytics.formatRatio)).toBe('45.00%');
    expect(analytics.formatReference(['0.0900', '0.1500'], analytics.formatRatio)).toBe('9.00% – 15.00%');
    expect(analytics.formatReference(undefined)).toBe('-');
  });

  it('gives the export file the extension of its format', () => {
    expect(analytics.withExtension('/tmp/compare', 'xlsx')).toBe('/tmp/compare.xlsx');
    expect(analytics.withExtension('/tmp/compare.csv', 'xlsx')).toBe('/tmp/compare.xlsx');
    expect(analytics.withExtension('C:\\out\\a.b\\report', 'csv')).toBe('C:\\out\\a.b\\report.csv');
    expect(analytics.withExtension('  ', 'csv')).toBe('');
  });
});
